-- What Salesforce held just before each field was written (lib/execution record step): a revert
-- restores this value, and a field that already held the written value is not Tollgate's change.
ALTER TABLE "FieldChange" ADD COLUMN "valueBeforeWrite" JSONB;
