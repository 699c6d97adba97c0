-- The inbox reads one index range per (status, approver group) and per (status, escalated-to
-- group), already in inbox order, then merges the few pages (lib/approvals/inbox.ts). The
-- single (status, riskScore, createdAt) index could not serve two statuses or a set of groups.
-- Admins and ops owners see every group: one range per status, with id to break ties.
DROP INDEX IF EXISTS "ActionRequest_status_riskScore_createdAt_idx";
CREATE INDEX "ActionRequest_status_riskScore_createdAt_id_idx" ON "ActionRequest"("status", "riskScore" DESC, "createdAt" DESC, "id");
CREATE INDEX "ActionRequest_status_approverRole_riskScore_createdAt_id_idx" ON "ActionRequest"("status", "approverRole", "riskScore" DESC, "createdAt" DESC, "id");
CREATE INDEX "ActionRequest_status_escalatedTo_riskScore_createdAt_id_idx" ON "ActionRequest"("status", "escalatedTo", "riskScore" DESC, "createdAt" DESC, "id");
