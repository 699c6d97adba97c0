-- Issue 5: inbox order and escalation on the request, retry policy per error class
ALTER TABLE "ActionRequest" ADD COLUMN "riskScore" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "ActionRequest" ADD COLUMN "escalatedTo" TEXT;
CREATE INDEX "ActionRequest_status_riskScore_createdAt_idx" ON "ActionRequest"("status", "riskScore" DESC, "createdAt" DESC);
CREATE INDEX "ActionRequest_status_slaDueAt_idx" ON "ActionRequest"("status", "slaDueAt");
CREATE INDEX "ActionRequest_status_expiresAt_idx" ON "ActionRequest"("status", "expiresAt");
CREATE TABLE "RetryPolicy" (
    "errorClass" TEXT NOT NULL,
    "maxAttempts" INTEGER NOT NULL,
    "backoffMs" INTEGER NOT NULL,
    "factor" DOUBLE PRECISION NOT NULL DEFAULT 2,
    "maxBackoffMs" INTEGER NOT NULL DEFAULT 3600000,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT,
    CONSTRAINT "RetryPolicy_pkey" PRIMARY KEY ("errorClass")
);
ALTER TABLE "WebhookDelivery" ADD COLUMN "target" TEXT;
ALTER TABLE "WebhookDelivery" ADD COLUMN "actionRequestId" TEXT;
CREATE INDEX "WebhookDelivery_actionRequestId_idx" ON "WebhookDelivery"("actionRequestId");
