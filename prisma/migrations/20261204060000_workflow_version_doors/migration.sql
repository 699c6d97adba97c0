-- Every door to a workflow version, not only UPDATE (…_workflow_versions guards that one):
--   * a row is born a draft (lib/workflows/versions.ts), a published or retired row is inserted
--     only by an import that says so (the demo seed, test fixtures:
--     set_config('tollgate.workflow_version_import', 'on', true)),
--   * a published or retired version is never deleted (its requests would lose their version,
--     and with it the workflow's kill switch), except by such an import's own clean-up,
--   * a draft publishes as a canary beside a baseline, never straight to 100%,
--   * at most one canary per workflow,
--   * who drafted a version and when stay as they were, retiredAt is set exactly when retired.

CREATE FUNCTION tollgate_workflow_version_insert_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF NEW.status <> ''draft'' AND coalesce(current_setting(''tollgate.workflow_version_import'', true), '''') <> ''on'' THEN
    RAISE EXCEPTION ''a workflow version starts as a draft (version % was inserted as %)'', NEW.version, NEW.status
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  RETURN NEW\x3b
END';

CREATE TRIGGER "WorkflowVersion_insert_guard" BEFORE INSERT ON "WorkflowVersion"
  FOR EACH ROW EXECUTE FUNCTION tollgate_workflow_version_insert_guard();

CREATE FUNCTION tollgate_workflow_version_delete_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF OLD.status <> ''draft'' AND coalesce(current_setting(''tollgate.workflow_version_import'', true), '''') <> ''on'' THEN
    RAISE EXCEPTION ''workflow version % is %: only a draft is deleted'', OLD.version, OLD.status
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  RETURN OLD\x3b
END';

CREATE TRIGGER "WorkflowVersion_delete_guard" BEFORE DELETE ON "WorkflowVersion"
  FOR EACH ROW EXECUTE FUNCTION tollgate_workflow_version_delete_guard();

CREATE FUNCTION tollgate_workflow_version_publish_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF NEW."createdById" IS DISTINCT FROM OLD."createdById" OR NEW."createdAt" IS DISTINCT FROM OLD."createdAt" THEN
    RAISE EXCEPTION ''workflow version %: who drafted it and when do not change'', OLD.version
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  IF (NEW.status = ''retired'') <> (NEW."retiredAt" IS NOT NULL) THEN
    RAISE EXCEPTION ''workflow version %: retiredAt is set exactly when it is retired'', OLD.version
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  IF OLD.status = ''draft'' AND NEW.status = ''published'' AND NEW."rolloutPercent" >= 100 AND EXISTS (
       SELECT 1 FROM "WorkflowVersion" b
       WHERE b."workflowId" = NEW."workflowId" AND b.id <> NEW.id AND b.status = ''published'') THEN
    RAISE EXCEPTION ''workflow version % publishes as a canary beside the published baseline, not at 100%%'', NEW.version
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  RETURN NEW\x3b
END';

CREATE TRIGGER "WorkflowVersion_publish_guard" BEFORE UPDATE ON "WorkflowVersion"
  FOR EACH ROW EXECUTE FUNCTION tollgate_workflow_version_publish_guard();

CREATE UNIQUE INDEX "WorkflowVersion_one_canary" ON "WorkflowVersion" ("workflowId")
  WHERE status = 'published' AND "rolloutPercent" < 100;
