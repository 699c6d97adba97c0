-- Bulk backouts (lib/backouts): the plan, its items, and each revert request's backout
-- AlterTable
ALTER TABLE "ActionRequest" ADD COLUMN     "backoutId" TEXT;

-- CreateTable
CREATE TABLE "Backout" (
    "id" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "agentId" TEXT,
    "workflowVersionId" TEXT,
    "actionTypeId" TEXT,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "windowEnd" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'planned',
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "plannedAt" TIMESTAMP(3) NOT NULL,
    "startedById" TEXT,
    "startedAt" TIMESTAMP(3),
    "pausedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "requests" INTEGER NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,
    "restorable" INTEGER NOT NULL DEFAULT 0,
    "conflicts" INTEGER NOT NULL DEFAULT 0,
    "alreadyRestored" INTEGER NOT NULL DEFAULT 0,
    "alreadyThere" INTEGER NOT NULL DEFAULT 0,
    "notRevertible" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Backout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackoutItem" (
    "id" TEXT NOT NULL,
    "backoutId" TEXT NOT NULL,
    "object" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "field" TEXT,
    "state" TEXT NOT NULL,
    "before" JSONB,
    "written" JSONB,
    "current" JSONB,
    "requestIds" TEXT[],
    "laterRequestId" TEXT,
    "note" TEXT,
    "revertRequestId" TEXT,

    CONSTRAINT "BackoutItem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Backout_createdAt_idx" ON "Backout"("createdAt");

-- CreateIndex
CREATE INDEX "Backout_status_idx" ON "Backout"("status");

-- CreateIndex
CREATE INDEX "BackoutItem_backoutId_state_recordId_idx" ON "BackoutItem"("backoutId", "state", "recordId");

-- CreateIndex
CREATE INDEX "BackoutItem_revertRequestId_idx" ON "BackoutItem"("revertRequestId");

-- CreateIndex
CREATE INDEX "BackoutItem_requestIds_idx" ON "BackoutItem" USING GIN ("requestIds");

-- CreateIndex
CREATE INDEX "ActionRequest_backoutId_status_idx" ON "ActionRequest"("backoutId", "status");

-- AddForeignKey
ALTER TABLE "ActionRequest" ADD CONSTRAINT "ActionRequest_backoutId_fkey" FOREIGN KEY ("backoutId") REFERENCES "Backout"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Backout" ADD CONSTRAINT "Backout_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Backout" ADD CONSTRAINT "Backout_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Backout" ADD CONSTRAINT "Backout_startedById_fkey" FOREIGN KEY ("startedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackoutItem" ADD CONSTRAINT "BackoutItem_backoutId_fkey" FOREIGN KEY ("backoutId") REFERENCES "Backout"("id") ON DELETE CASCADE ON UPDATE CASCADE;

