-- AlterTable
ALTER TABLE "WorkflowVersion" ADD COLUMN     "createdById" TEXT,
ADD COLUMN     "retiredAt" TIMESTAMP(3);

-- AddForeignKey
ALTER TABLE "WorkflowVersion" ADD CONSTRAINT "WorkflowVersion_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- At most one draft per workflow: two people starting a version at once, one of them wins
CREATE UNIQUE INDEX "WorkflowVersion_one_draft" ON "WorkflowVersion" ("workflowId") WHERE status = 'draft';

-- A published version never changes, whichever door writes (lib/workflows/versions.ts is the
-- console door). Only the content of a draft (action types, definition, change windows, notes)
-- may be edited, status moves one way (draft -> published -> retired), the rollout of a
-- published version only grows (the canary 5 -> 25 -> 100), and a retired one is frozen.
-- Deleting stays possible: the foreign key of a request keeps a version that was used.
CREATE FUNCTION tollgate_workflow_version_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF OLD.status <> ''draft'' AND (
       NEW."actionTypes" IS DISTINCT FROM OLD."actionTypes"
    OR NEW.definition IS DISTINCT FROM OLD.definition
    OR NEW."changeWindows" IS DISTINCT FROM OLD."changeWindows"
    OR NEW.notes IS DISTINCT FROM OLD.notes
    OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW."workflowId" IS DISTINCT FROM OLD."workflowId"
    OR NEW."publishedAt" IS DISTINCT FROM OLD."publishedAt"
    OR NEW."publishedById" IS DISTINCT FROM OLD."publishedById") THEN
    RAISE EXCEPTION ''workflow version % is %: published versions are immutable'', OLD.version, OLD.status
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = ''draft'' AND NEW.status = ''published'')
    OR (OLD.status = ''published'' AND NEW.status = ''retired'')) THEN
    RAISE EXCEPTION ''workflow version % cannot go from % to %'', OLD.version, OLD.status, NEW.status
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  IF OLD.status <> ''draft'' AND NEW."rolloutPercent" IS DISTINCT FROM OLD."rolloutPercent" AND NOT (
       OLD.status = ''published'' AND NEW.status = ''published''
       AND NEW."rolloutPercent" > OLD."rolloutPercent" AND NEW."rolloutPercent" <= 100) THEN
    RAISE EXCEPTION ''workflow version % rollout cannot go from % to %'', OLD.version, OLD."rolloutPercent", NEW."rolloutPercent"
      USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  IF OLD.status = ''retired'' AND NEW."retiredAt" IS DISTINCT FROM OLD."retiredAt" THEN
    RAISE EXCEPTION ''workflow version % is retired'', OLD.version USING ERRCODE = ''check_violation''\x3b
  END IF\x3b
  RETURN NEW\x3b
END';

CREATE TRIGGER "WorkflowVersion_guard" BEFORE UPDATE ON "WorkflowVersion"
  FOR EACH ROW EXECUTE FUNCTION tollgate_workflow_version_guard();

ALTER TABLE "WorkflowVersion" ADD CONSTRAINT "WorkflowVersion_rollout_range" CHECK ("rolloutPercent" BETWEEN 0 AND 100);
