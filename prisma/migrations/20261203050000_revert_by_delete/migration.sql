-- A create reverted by deleting its record, where its rule allows (lib/reverts)
-- AlterTable
ALTER TABLE "PolicyRule" ADD COLUMN     "rollbackByDelete" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "ActionRequest" ADD COLUMN     "operation" TEXT;

