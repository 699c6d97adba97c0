-- Many audit events in one statement: what tollgate_append_audit does for one, for a batch.
--
-- A batch of execution tries appends hundreds of events in one transaction. As a UNION ALL of
-- tollgate_append_audit calls (20 parameters each) PostgreSQL planned a statement of thousands
-- of parameters per 500 events. Here the events come as one jsonb array, one row per element,
-- inserted in the array's order (ordinality), so ids and the sealer's (xid, id) order follow it.
-- Columns as tollgate_append_audit stores them: a JSON null is SQL NULL, payload defaults to {}.
-- Runs as its owner (SECURITY DEFINER with a fixed search_path), like tollgate_append_audit.
CREATE OR REPLACE FUNCTION tollgate_append_audit_many(p_rows jsonb) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER AS E'
  WITH ins AS (
    INSERT INTO "AuditEvent" (lane, "createdAt", "actorType", "actorAgentId", "actorUserId", action,
      "subjectType", "subjectId", "environmentId", object, "recordId", field, "oldValue", "newValue",
      "reasonCode", "reasonText", source, evidence, payload, "contentHash")
    SELECT r.lane::"AuditLane", r."createdAt" AT TIME ZONE ''UTC'', r."actorType", r."actorAgentId",
      r."actorUserId", r.action, r."subjectType", r."subjectId", r."environmentId", r.object,
      r."recordId", r.field, r."oldValue", r."newValue", r."reasonCode", r."reasonText", r.source,
      r.evidence, coalesce(r.payload, ''{}''::jsonb), r."contentHash"
    FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS e(row, n),
      jsonb_to_record(e.row) AS r(lane text, "createdAt" timestamptz, "actorType" text,
        "actorAgentId" text, "actorUserId" text, action text, "subjectType" text, "subjectId" text,
        "environmentId" text, object text, "recordId" text, field text, "oldValue" jsonb,
        "newValue" jsonb, "reasonCode" text, "reasonText" text, source jsonb, evidence jsonb,
        payload jsonb, "contentHash" text)
    ORDER BY e.n
    RETURNING 1)
  SELECT count(*)::integer FROM ins
';

DO E'BEGIN
  EXECUTE format(''ALTER FUNCTION tollgate_append_audit_many(jsonb) SECURITY DEFINER SET search_path = %I, pg_temp'', current_schema())\x3b
END';

REVOKE EXECUTE ON FUNCTION tollgate_append_audit_many(jsonb) FROM PUBLIC;
