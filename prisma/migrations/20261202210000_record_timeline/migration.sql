-- A record's timeline (lib/requests/record-timeline.ts) finds every request on a Salesforce record
-- by the id's first 15 characters (15- and 18-character ids alike): updates by "recordId", creates
-- by the id Salesforce gave the new record ("resultRecordId"). An expression index on each, with
-- the timeline's order, so a record with 10,000 requests reads one page without a sort of them all.
-- (Prisma cannot declare expression indexes: noted beside the model.)
CREATE INDEX "ActionRequest_record15_createdAt_idx" ON "ActionRequest" (left("recordId", 15), "createdAt", id);
CREATE INDEX "ActionRequest_result15_createdAt_idx" ON "ActionRequest" (left("resultRecordId", 15), "createdAt", id);
