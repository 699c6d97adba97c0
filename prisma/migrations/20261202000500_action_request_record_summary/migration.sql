-- The inbox shows a request's record by name (name, account, amount, stage, owner) from a
-- snapshot taken at ingest, so its list needs no Salesforce read per row.
ALTER TABLE "ActionRequest" ADD COLUMN "recordSummary" JSONB;
