-- Issue 11 item 1: audit appends without a lane lock, sealed into the hash chain afterwards.
--
-- Before: tollgate_append_audit bumped the lane's head row, so every transaction that wrote an
-- audit event held that row lock until it committed and all writers queued on three rows.
-- Now an append is a plain INSERT (the event commits, or not, with the change it records) of an
-- unsealed row: seq, prevHash and hash are NULL, contentHash is the app's hash of the content
-- and xid the appending transaction's id. One sealer at a time (tollgate_seal_audit, run by the
-- workers' leader: lib/audit/seal.ts) links committed events into each lane's chain in (xid, id)
-- order, below a horizon no running transaction can still commit under.
--
-- Rows already in the lanes were sealed when appended: they keep seq, prevHash and hash, and no
-- contentHash (their hash covers the content — verification recomputes content hashes from the
-- columns and never needs the stored one). sealedAt stays NULL on them, appendedAt is this
-- migration's time. Every new row has a contentHash (the CHECK below).
--
-- Bodies are escaped strings with \x3b for each semicolon: Prisma migrate through a driver
-- adapter splits a script at every semicolon, even inside quotes and comments.

ALTER TABLE "AuditEvent" ADD COLUMN     "appendedAt" TIMESTAMP(3) NOT NULL DEFAULT (statement_timestamp() AT TIME ZONE 'UTC'::text),
ADD COLUMN     "contentHash" TEXT,
ADD COLUMN     "sealedAt" TIMESTAMP(3),
ADD COLUMN     "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
ALTER COLUMN "seq" DROP NOT NULL,
ALTER COLUMN "prevHash" DROP NOT NULL,
ALTER COLUMN "hash" DROP NOT NULL;

-- a link is all or nothing — an unsealed event always carries the hash the sealer links
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_link_whole"
  CHECK ((seq IS NULL) = ("prevHash" IS NULL) AND (seq IS NULL) = (hash IS NULL) AND ("sealedAt" IS NULL OR seq IS NOT NULL));
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_contentHash_unsealed"
  CHECK ("contentHash" ~ '^[0-9a-f]{64}$' OR ("contentHash" IS NULL AND seq IS NOT NULL));

-- what the sealer reads: a lane's unsealed events in (xid, id) order — sealed rows leave it
CREATE INDEX "AuditEvent_unsealed_idx" ON "AuditEvent" (lane, xid, id) WHERE seq IS NULL;

-- The append-only trigger allows one UPDATE: sealing an unsealed event — seq, prevHash, hash and
-- sealedAt from NULL to values, every other column as it was. Anything else (any other UPDATE,
-- a second seal, DELETE, TRUNCATE) is refused, as before.
CREATE OR REPLACE FUNCTION tollgate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''UPDATE''
     AND OLD.seq IS NULL AND OLD."prevHash" IS NULL AND OLD.hash IS NULL AND OLD."sealedAt" IS NULL
     AND NEW.seq IS NOT NULL AND NEW."prevHash" IS NOT NULL AND NEW.hash IS NOT NULL AND NEW."sealedAt" IS NOT NULL
     AND (to_jsonb(OLD) - ARRAY[''seq'', ''prevHash'', ''hash'', ''sealedAt''])
       = (to_jsonb(NEW) - ARRAY[''seq'', ''prevHash'', ''hash'', ''sealedAt''])
  THEN
    RETURN NEW\x3b
  END IF\x3b
  RAISE EXCEPTION ''audit events are append-only (% refused)'', TG_OP USING ERRCODE = ''insufficient_privilege''\x3b
END\x3b';

-- Append: one INSERT, no lock beyond the row's own. Same signature and result columns as
-- before (callers select o_id, o_seq, o_hash) — o_seq and o_hash are NULL now: an event gets its
-- place in the chain when it is sealed. Runs as its owner (SECURITY DEFINER, set again below:
-- CREATE OR REPLACE resets it), the runtime role's only way to write the table.
CREATE OR REPLACE FUNCTION tollgate_append_audit(
  p_lane text, p_created_at timestamp, p_actor_type text, p_actor_agent text, p_actor_user text,
  p_action text, p_subject_type text, p_subject_id text, p_environment text, p_object text,
  p_record text, p_field text, p_old jsonb, p_new jsonb, p_reason_code text, p_reason_text text,
  p_source jsonb, p_evidence jsonb, p_payload jsonb, p_content_hash text,
  OUT o_id bigint, OUT o_seq integer, OUT o_hash text
) LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS E'
BEGIN
  INSERT INTO "AuditEvent" (lane, "createdAt", "actorType", "actorAgentId", "actorUserId", action,
    "subjectType", "subjectId", "environmentId", object, "recordId", field, "oldValue", "newValue",
    "reasonCode", "reasonText", source, evidence, payload, "contentHash")
  VALUES (p_lane::"AuditLane", p_created_at, p_actor_type, p_actor_agent, p_actor_user, p_action,
    p_subject_type, p_subject_id, p_environment, p_object, p_record, p_field, p_old, p_new,
    p_reason_code, p_reason_text, p_source, p_evidence, coalesce(p_payload, ''{}''::jsonb), p_content_hash)
  RETURNING id INTO o_id\x3b
END
';

-- Seal up to p_max committed events of one lane — returns how many it sealed.
--
-- Why no late commit is ever skipped or sealed out of order:
-- 1. The horizon is pg_snapshot_xmin(pg_current_snapshot()), taken after the head row is locked:
--    every transaction with an id below it has finished (committed or rolled back), and any
--    transaction that can still commit has an id at or above it — a running one by definition,
--    and one that has no id yet will be given one above every id handed out so far.
-- 2. The SELECT below runs after the horizon was taken (a later snapshot, READ COMMITTED): every
--    committed event with xid < horizon is visible to it, every rolled-back one never will be.
--    So the events below the horizon are final and all seen.
-- 3. They are sealed in (xid, id) order, as many as p_max allows — the rest of them stay below
--    the horizon and come first next time. Any event that becomes visible later has
--    xid >= this horizon > every xid sealed now, so it sorts after them: the chain's order is the
--    order of (xid, id) over all events of the lane, and no event can be passed over.
-- 4. Sealers are serialised by the head row lock (FOR UPDATE) — a second sealer waits, then
--    reads the head and the unsealed events afresh. The workers' leader election only saves
--    work: two sealers at once would still build one chain.
-- A transaction that stays open holds the horizon (and so sealing of later events) back until it
-- ends: sealing lag is as long as the longest open writing transaction on the server
-- (transaction ids are cluster-wide). /api/health and /audit report that lag.
-- Links are sha256("<prevHash>:<seq>:<contentHash>"), hex — lib/audit/hash-chain.ts linkHash.
CREATE OR REPLACE FUNCTION tollgate_seal_audit(p_lane text, p_max integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS E'
DECLARE
  v_seq integer\x3b
  v_hash text\x3b
  v_horizon xid8\x3b
  v_ids bigint[]\x3b
  v_contents text[]\x3b
  v_seqs integer[] := ''{}''\x3b
  v_prevs text[] := ''{}''\x3b
  v_hashes text[] := ''{}''\x3b
  v_n integer\x3b
  v_sealed integer\x3b
  v_now timestamp\x3b
BEGIN
  -- nothing to do (the common case for an idle lane): no lock taken, no transaction id used
  IF NOT EXISTS (SELECT 1 FROM "AuditEvent" e WHERE e.lane = p_lane::"AuditLane" AND e.seq IS NULL
                 AND e.xid < pg_snapshot_xmin(pg_current_snapshot())) THEN
    RETURN 0\x3b
  END IF\x3b
  SELECT h.seq, h.hash INTO v_seq, v_hash FROM "AuditLaneHead" h WHERE h.lane = p_lane::"AuditLane" FOR UPDATE\x3b
  IF NOT FOUND THEN RAISE EXCEPTION ''audit lane % has no head row'', p_lane\x3b END IF\x3b
  v_horizon := pg_snapshot_xmin(pg_current_snapshot())\x3b
  SELECT array_agg(u.id ORDER BY u.xid, u.id), array_agg(u."contentHash" ORDER BY u.xid, u.id)
    INTO v_ids, v_contents
  FROM (SELECT e.id, e.xid, e."contentHash" FROM "AuditEvent" e
        WHERE e.lane = p_lane::"AuditLane" AND e.seq IS NULL AND e.xid < v_horizon
        ORDER BY e.xid, e.id LIMIT p_max) u\x3b
  v_n := coalesce(array_length(v_ids, 1), 0)\x3b
  IF v_n = 0 THEN RETURN 0\x3b END IF\x3b
  FOR i IN 1..v_n LOOP
    v_prevs[i] := v_hash\x3b
    v_seq := v_seq + 1\x3b
    v_seqs[i] := v_seq\x3b
    v_hash := encode(sha256(convert_to(v_hash || '':'' || v_seq::text || '':'' || v_contents[i], ''UTF8'')), ''hex'')\x3b
    v_hashes[i] := v_hash\x3b
  END LOOP\x3b
  v_now := clock_timestamp() AT TIME ZONE ''UTC''\x3b
  UPDATE "AuditEvent" e SET seq = u.seq, "prevHash" = u.prev, hash = u.hash, "sealedAt" = v_now
  FROM unnest(v_ids, v_seqs, v_prevs, v_hashes) AS u(id, seq, prev, hash)
  WHERE e.id = u.id AND e.lane = p_lane::"AuditLane" AND e.seq IS NULL\x3b
  GET DIAGNOSTICS v_sealed = ROW_COUNT\x3b
  IF v_sealed <> v_n THEN
    RAISE EXCEPTION ''sealing lane % linked % of % events'', p_lane, v_sealed, v_n\x3b
  END IF\x3b
  UPDATE "AuditLaneHead" SET seq = v_seq, hash = v_hash, "updatedAt" = v_now WHERE lane = p_lane::"AuditLane"\x3b
  RETURN v_n\x3b
END
';

DO E'BEGIN
  EXECUTE format(''ALTER FUNCTION tollgate_append_audit(text, timestamp, text, text, text, text, text, text, text, text, text, text, jsonb, jsonb, text, text, jsonb, jsonb, jsonb, text) SECURITY DEFINER SET search_path = %I, pg_temp'', current_schema())\x3b
  EXECUTE format(''ALTER FUNCTION tollgate_seal_audit(text, integer) SECURITY DEFINER SET search_path = %I, pg_temp'', current_schema())\x3b
END';

REVOKE EXECUTE ON FUNCTION tollgate_seal_audit(text, integer) FROM PUBLIC;
