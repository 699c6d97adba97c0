-- AlterTable
ALTER TABLE "PolicyMatrixVersion" ADD COLUMN     "basedOnVersion" INTEGER,
ADD COLUMN     "editorIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'draft',
ADD COLUMN     "publishReason" TEXT,
ADD COLUMN     "publishedById" TEXT,
ADD COLUMN     "supersededAt" TIMESTAMP(3),
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AddForeignKey
ALTER TABLE "PolicyMatrixVersion" ADD CONSTRAINT "PolicyMatrixVersion_publishedById_fkey" FOREIGN KEY ("publishedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Only a draft's rules change, and at most one version is active and one is a draft at a time:
-- a second concurrent publish or a second draft breaks one of these and is refused (409).
-- Older duplicates (the table never enforced this) keep their rows as superseded / discarded.
UPDATE "PolicyMatrixVersion" v SET status = 'superseded', "supersededAt" = now()
WHERE v.status = 'active' AND v.version < (SELECT max(version) FROM "PolicyMatrixVersion" WHERE status = 'active');
UPDATE "PolicyMatrixVersion" v SET status = 'discarded'
WHERE v.status = 'draft' AND v.version < (SELECT max(version) FROM "PolicyMatrixVersion" WHERE status = 'draft');
CREATE UNIQUE INDEX "PolicyMatrixVersion_one_active" ON "PolicyMatrixVersion" ((true)) WHERE status = 'active';
CREATE UNIQUE INDEX "PolicyMatrixVersion_one_draft" ON "PolicyMatrixVersion" ((true)) WHERE status = 'draft';
