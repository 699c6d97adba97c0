-- AlterTable
ALTER TABLE "ApproverGroup" ADD COLUMN     "handoffTime" TEXT,
ADD COLUMN     "handoffWeekday" INTEGER,
ADD COLUMN     "handoffZone" TEXT,
ADD COLUMN     "rotation" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "rotationStartsAt" TIMESTAMP(3),
ADD COLUMN     "slaMinutes" INTEGER,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

