-- Issue 12: the Requests page lists every action request newest first (createdAt desc, id desc),
-- filtered, by keyset pages (lib/requests/list-requests.ts). Each filter on a column of the table
-- reads one range of an index already in that order, so a page stops after limit + 1 entries:
-- the single-column createdAt index and the (agent|environment, createdAt) ones gain id as the
-- tie-breaker (same columns first, so their old readers keep using them), the workflow version
-- index gains (createdAt, id) and action type gets one (it had none). Status has six indexes
-- already (the inbox's, the workers'), and each status is one branch of the list's query, and the
-- planner serves it from one of those or from the date-ordered scan. A record id matches on its
-- first 15 characters (15- and 18-character ids alike) through the record timeline's index on
-- (left("recordId", 15), "createdAt", id), migration 20261202210000.
-- The free-text search (reason text or the record's name, ILIKE '%…%') reads a trigram index on
-- the two joined when the term is rare (1M rows: 2.3 s scanning in date order → 24 ms), while a common
-- term stays on the date-ordered scan, which finds a page at once. pg_trgm is a trusted
-- extension: a database owner may create it.
-- The trigram index is not expressible in schema.prisma (noted beside the model).
DROP INDEX "ActionRequest_createdAt_idx";
CREATE INDEX "ActionRequest_createdAt_id_idx" ON "ActionRequest"("createdAt", "id");

DROP INDEX "ActionRequest_agentId_createdAt_idx";
CREATE INDEX "ActionRequest_agentId_createdAt_id_idx" ON "ActionRequest"("agentId", "createdAt", "id");

DROP INDEX "ActionRequest_environmentId_createdAt_idx";
CREATE INDEX "ActionRequest_environmentId_createdAt_id_idx" ON "ActionRequest"("environmentId", "createdAt", "id");

DROP INDEX "ActionRequest_workflowVersionId_idx";
CREATE INDEX "ActionRequest_workflowVersionId_createdAt_id_idx" ON "ActionRequest"("workflowVersionId", "createdAt", "id");

CREATE INDEX "ActionRequest_actionTypeId_createdAt_id_idx" ON "ActionRequest"("actionTypeId", "createdAt", "id");


CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "ActionRequest_search_trgm_idx" ON "ActionRequest" USING gin ((coalesce("reasonText", '') || ' ' || coalesce("recordSummary"->>'name', '')) gin_trgm_ops);
