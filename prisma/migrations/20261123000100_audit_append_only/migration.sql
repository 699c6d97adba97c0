-- Audit lanes are append-only: refuse UPDATE, DELETE and TRUNCATE on audit events at the
-- database, whatever code (or person with SQL) tries. The hash chain makes any bypass
-- detectable.
-- The function body is an escaped string with \x3b standing for each semicolon: Prisma
-- migrate through a driver adapter splits a script at every semicolon, even inside quotes
-- and comments.
CREATE OR REPLACE FUNCTION tollgate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN RAISE EXCEPTION ''audit events are append-only (% refused)'', TG_OP USING ERRCODE = ''insufficient_privilege''\x3b END\x3b';

CREATE TRIGGER "AuditEvent_append_only"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION tollgate_audit_append_only();

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION tollgate_audit_append_only();
