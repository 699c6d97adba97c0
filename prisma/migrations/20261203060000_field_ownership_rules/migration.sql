-- AlterEnum
ALTER TYPE "ConflictRule" ADD VALUE 'agent_yields_to_humans';

-- AlterTable
ALTER TABLE "FieldOwnership" ADD COLUMN     "yieldHours" INTEGER;


-- a window of zero or fewer hours would yield to nothing
ALTER TABLE "FieldOwnership" ADD CONSTRAINT "FieldOwnership_yieldHours_positive" CHECK ("yieldHours" IS NULL OR "yieldHours" > 0);
