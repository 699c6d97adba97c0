-- What Salesforce held just before each field was written (lib/execution record step): a revert
-- restores this value, and a field that already held the written value is not Tollgate's change.
ALTER TABLE "FieldChange" ADD COLUMN "valueBeforeWrite" JSONB;

-- A revert request's end closes its Reversal row (lib/action-requests/transition-request.ts
-- closeReversals): found by the revert request's id in the row's detail.
CREATE INDEX "Reversal_revertRequestId_idx" ON "Reversal" ((detail->>'revertRequestId'));
