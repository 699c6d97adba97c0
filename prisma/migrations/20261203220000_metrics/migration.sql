-- Issue 14: leadership metrics from hourly rollups (lib/metrics).
-- 1. MetricHour: the agents' requests counted per hour of proposal and per agent, environment,
--    workflow version, action type and approver group. MetricDay: the same summed per UTC day,
--    what the dashboard reads.
-- 2. MetricDirty: (hour, agent) pairs to recompute, written by triggers in the transaction that
--    changes a request (insert, delete, or a change of a column a figure or bucket reads) or a
--    drift finding (insert, update, delete), whichever code or SQL does it. The metricsRollup
--    job deletes every mark of the pairs it takes and recomputes them, so a change is counted
--    once it commits.
-- 3. Every existing (hour, agent) pair is marked, so the first rollup counts the history.
-- Function bodies are escaped strings with \x3b for each semicolon: Prisma migrate through a
-- driver adapter splits a script at every semicolon.
-- CreateTable
CREATE TABLE "MetricHour" (
    "hour" TIMESTAMP(3) NOT NULL,
    "agentId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "workflowVersionId" TEXT NOT NULL,
    "actionTypeId" TEXT NOT NULL,
    "approverRole" TEXT NOT NULL,
    "proposed" INTEGER NOT NULL,
    "open" INTEGER NOT NULL,
    "observed" INTEGER NOT NULL,
    "refused" INTEGER NOT NULL,
    "writes" INTEGER NOT NULL,
    "reverted" INTEGER NOT NULL,
    "drifted" INTEGER NOT NULL,
    "executed" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "deadLettered" INTEGER NOT NULL,
    "conflicts" INTEGER NOT NULL,
    "exceptions" INTEGER NOT NULL,
    "humanDecided" INTEGER NOT NULL,
    "slaMeasured" INTEGER NOT NULL,
    "withinSla" INTEGER NOT NULL,
    "decisionMsSum" BIGINT NOT NULL,
    "decisionHist" INTEGER[],
    "cycleMsSum" BIGINT NOT NULL,
    "cycleHist" INTEGER[],

    CONSTRAINT "MetricHour_pkey" PRIMARY KEY ("hour","agentId","environmentId","workflowVersionId","actionTypeId","approverRole")
);

-- CreateTable
CREATE TABLE "MetricDay" (
    "day" TIMESTAMP(3) NOT NULL,
    "agentId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "workflowVersionId" TEXT NOT NULL,
    "actionTypeId" TEXT NOT NULL,
    "approverRole" TEXT NOT NULL,
    "proposed" INTEGER NOT NULL,
    "open" INTEGER NOT NULL,
    "observed" INTEGER NOT NULL,
    "refused" INTEGER NOT NULL,
    "writes" INTEGER NOT NULL,
    "reverted" INTEGER NOT NULL,
    "drifted" INTEGER NOT NULL,
    "executed" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "deadLettered" INTEGER NOT NULL,
    "conflicts" INTEGER NOT NULL,
    "exceptions" INTEGER NOT NULL,
    "humanDecided" INTEGER NOT NULL,
    "slaMeasured" INTEGER NOT NULL,
    "withinSla" INTEGER NOT NULL,
    "decisionMsSum" BIGINT NOT NULL,
    "decisionHist" INTEGER[],
    "cycleMsSum" BIGINT NOT NULL,
    "cycleHist" INTEGER[],

    CONSTRAINT "MetricDay_pkey" PRIMARY KEY ("day","agentId","environmentId","workflowVersionId","actionTypeId","approverRole")
);

-- CreateTable
CREATE TABLE "MetricDirty" (
    "id" BIGSERIAL NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "agentId" TEXT NOT NULL,

    CONSTRAINT "MetricDirty_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MetricHour_hour_idx" ON "MetricHour"("hour");

-- CreateIndex
CREATE INDEX "MetricDirty_agentId_hour_idx" ON "MetricDirty"("agentId", "hour");

-- CreateIndex
CREATE INDEX "MetricDay_day_idx" ON "MetricDay"("day");

CREATE OR REPLACE FUNCTION tollgate_metric_dirty_request() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN IF TG_OP <> ''DELETE'' THEN INSERT INTO "MetricDirty" ("hour", "agentId") VALUES (date_trunc(''hour'', NEW."createdAt"), NEW."agentId")\x3b END IF\x3b IF TG_OP = ''DELETE'' OR (TG_OP = ''UPDATE'' AND (OLD."createdAt" IS DISTINCT FROM NEW."createdAt" OR OLD."agentId" IS DISTINCT FROM NEW."agentId")) THEN INSERT INTO "MetricDirty" ("hour", "agentId") VALUES (date_trunc(''hour'', OLD."createdAt"), OLD."agentId")\x3b END IF\x3b RETURN NULL\x3b END\x3b';

CREATE TRIGGER "ActionRequest_metric_dirty_insert"
  AFTER INSERT ON "ActionRequest"
  FOR EACH ROW EXECUTE FUNCTION tollgate_metric_dirty_request();

CREATE TRIGGER "ActionRequest_metric_dirty_update"
  AFTER UPDATE ON "ActionRequest"
  FOR EACH ROW
  WHEN (OLD."status" IS DISTINCT FROM NEW."status"
    OR OLD."decidedAt" IS DISTINCT FROM NEW."decidedAt"
    OR OLD."completedAt" IS DISTINCT FROM NEW."completedAt"
    OR OLD."slaDueAt" IS DISTINCT FROM NEW."slaDueAt"
    OR OLD."createdAt" IS DISTINCT FROM NEW."createdAt"
    OR OLD."agentId" IS DISTINCT FROM NEW."agentId"
    OR OLD."environmentId" IS DISTINCT FROM NEW."environmentId"
    OR OLD."workflowVersionId" IS DISTINCT FROM NEW."workflowVersionId"
    OR OLD."actionTypeId" IS DISTINCT FROM NEW."actionTypeId"
    OR OLD."approverRole" IS DISTINCT FROM NEW."approverRole"
    OR OLD."revertsId" IS DISTINCT FROM NEW."revertsId")
  EXECUTE FUNCTION tollgate_metric_dirty_request();

CREATE TRIGGER "ActionRequest_metric_dirty_delete"
  AFTER DELETE ON "ActionRequest"
  FOR EACH ROW EXECUTE FUNCTION tollgate_metric_dirty_request();

CREATE OR REPLACE FUNCTION tollgate_metric_dirty_finding() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN INSERT INTO "MetricDirty" ("hour", "agentId") SELECT date_trunc(''hour'', r."createdAt"), r."agentId" FROM "ActionRequest" r WHERE r."id" IN (CASE WHEN TG_OP <> ''DELETE'' THEN NEW."actionRequestId" END, CASE WHEN TG_OP <> ''INSERT'' THEN OLD."actionRequestId" END)\x3b RETURN NULL\x3b END\x3b';

CREATE TRIGGER "ReconciliationFinding_metric_dirty"
  AFTER INSERT ON "ReconciliationFinding"
  FOR EACH ROW WHEN (NEW."kind" = 'drift')
  EXECUTE FUNCTION tollgate_metric_dirty_finding();

CREATE TRIGGER "ReconciliationFinding_metric_dirty_change"
  AFTER UPDATE OR DELETE ON "ReconciliationFinding"
  FOR EACH ROW EXECUTE FUNCTION tollgate_metric_dirty_finding();

INSERT INTO "MetricDirty" ("hour", "agentId")
  SELECT DISTINCT date_trunc('hour', "createdAt"), "agentId" FROM "ActionRequest";
