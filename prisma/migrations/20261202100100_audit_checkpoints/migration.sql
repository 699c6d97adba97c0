-- Issue 11 item 1: signed checkpoints of each audit lane head (lib/audit/checkpoints.ts). The
-- sealing leader writes one per lane about every second the head moved. The Ed25519 key that
-- signs them is not in the database. lib/db/admin.ts grants the runtime role SELECT and INSERT only.
-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "id" BIGSERIAL NOT NULL,
    "lane" "AuditLane" NOT NULL,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "keyId" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditCheckpoint_lane_seq_idx" ON "AuditCheckpoint"("lane", "seq");

