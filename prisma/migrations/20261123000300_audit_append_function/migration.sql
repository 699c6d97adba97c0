-- Append one audit event to its lane's hash chain in a single statement, so the lane's row
-- lock is held only while the database itself finishes the statement and commits (never
-- while an application waits on its event loop). Links are sha256("<prevHash>:<seq>:<contentHash>").
-- The body is an escaped string with \x3b for each semicolon: Prisma migrate through a
-- driver adapter splits a script at every semicolon.
CREATE OR REPLACE FUNCTION tollgate_append_audit(
  p_lane text, p_created_at timestamp, p_actor_type text, p_actor_agent text, p_actor_user text,
  p_action text, p_subject_type text, p_subject_id text, p_environment text, p_object text,
  p_record text, p_field text, p_old jsonb, p_new jsonb, p_reason_code text, p_reason_text text,
  p_source jsonb, p_evidence jsonb, p_payload jsonb, p_content_hash text,
  OUT o_id bigint, OUT o_seq integer, OUT o_hash text
) LANGUAGE plpgsql VOLATILE AS E'
DECLARE v_prev text\x3b
BEGIN
  UPDATE "AuditLaneHead" SET seq = seq + 1, "updatedAt" = now() WHERE lane = p_lane::"AuditLane" RETURNING seq INTO o_seq\x3b
  IF o_seq IS NULL THEN RAISE EXCEPTION ''audit lane % has no head row'', p_lane\x3b END IF\x3b
  SELECT e.hash INTO v_prev FROM "AuditEvent" e WHERE e.lane = p_lane::"AuditLane" AND e.seq = o_seq - 1\x3b
  v_prev := coalesce(v_prev, repeat(''0'', 64))\x3b
  o_hash := encode(sha256(convert_to(v_prev || '':'' || o_seq::text || '':'' || p_content_hash, ''UTF8'')), ''hex'')\x3b
  INSERT INTO "AuditEvent" (lane, seq, "createdAt", "actorType", "actorAgentId", "actorUserId", action,
    "subjectType", "subjectId", "environmentId", object, "recordId", field, "oldValue", "newValue",
    "reasonCode", "reasonText", source, evidence, payload, "prevHash", hash)
  VALUES (p_lane::"AuditLane", o_seq, p_created_at, p_actor_type, p_actor_agent, p_actor_user, p_action,
    p_subject_type, p_subject_id, p_environment, p_object, p_record, p_field, p_old, p_new,
    p_reason_code, p_reason_text, p_source, p_evidence, coalesce(p_payload, ''{}''::jsonb), v_prev, o_hash)
  RETURNING id INTO o_id\x3b
  UPDATE "AuditLaneHead" SET hash = o_hash WHERE lane = p_lane::"AuditLane"\x3b
END
';
