-- A revert is a request a person asks for (lib/reverts): who asked (separation of duties: they
-- may not approve it), and an index to find a request's reverts from it.
ALTER TABLE "ActionRequest" ADD COLUMN "requestedById" TEXT;

ALTER TABLE "ActionRequest" ADD CONSTRAINT "ActionRequest_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE INDEX "ActionRequest_revertsId_idx" ON "ActionRequest"("revertsId");
