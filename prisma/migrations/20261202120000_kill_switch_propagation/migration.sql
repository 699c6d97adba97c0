-- Issue 11: kill-switch trips reach every running process at once, and the trip waits for them.
-- 1. RuntimeInstance replaces WorkerHeartbeat: every web server and worker registers and beats
--    (lib/health/heartbeat.ts), and a trip expects an acknowledgement from each live one. The old
--    rows were only beats of running processes, nothing to keep.
-- 2. KillSwitch."version": from one sequence, bumped by every update, so a process that loads
--    the switches and receives notifications in either order keeps the newest state of each.
-- 3. Every insert, update and delete of a KillSwitch row notifies channel tollgate_kill_switch
--    on commit (whoever writes it, the console or SQL), with the switch's new state and the
--    trip's change id when the writer set tollgate.kill_switch_change.
-- 4. KillSwitchAck: one row per (trip, instance) once that instance has the trip in memory and
--    every request that passed its gate before has finished.
-- Bodies are escaped strings with \x3b for each semicolon: Prisma migrate through a driver
-- adapter splits a script at every semicolon.
DROP TABLE "WorkerHeartbeat";

CREATE TABLE "RuntimeInstance" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastBeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "intervalMs" INTEGER NOT NULL,
    "concurrency" INTEGER,
    "listening" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "RuntimeInstance_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "RuntimeInstance_lastBeatAt_idx" ON "RuntimeInstance"("lastBeatAt");

CREATE TABLE "KillSwitchAck" (
    "changeId" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "ackedAt" TIMESTAMP(6) NOT NULL,
    "drainMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "KillSwitchAck_pkey" PRIMARY KEY ("changeId","instanceId")
);

CREATE INDEX "KillSwitchAck_ackedAt_idx" ON "KillSwitchAck"("ackedAt");

CREATE SEQUENCE "KillSwitch_version_seq";
ALTER TABLE "KillSwitch" ADD COLUMN "version" BIGINT NOT NULL DEFAULT nextval('"KillSwitch_version_seq"');
ALTER SEQUENCE "KillSwitch_version_seq" OWNED BY "KillSwitch"."version";

CREATE OR REPLACE FUNCTION tollgate_kill_switch_version() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN NEW.version := nextval(''"KillSwitch_version_seq"'')\x3b RETURN NEW\x3b END\x3b';

CREATE TRIGGER "KillSwitch_version"
  BEFORE UPDATE ON "KillSwitch"
  FOR EACH ROW EXECUTE FUNCTION tollgate_kill_switch_version();

CREATE OR REPLACE FUNCTION tollgate_kill_switch_notify() RETURNS trigger LANGUAGE plpgsql AS
  E'DECLARE
    r "KillSwitch"\x3b
    v bigint\x3b
    wf text\x3b
  BEGIN
    IF TG_OP = ''DELETE'' THEN
      r := OLD\x3b
      v := nextval(''"KillSwitch_version_seq"'')\x3b
    ELSE
      r := NEW\x3b
      v := NEW.version\x3b
    END IF\x3b
    SELECT key INTO wf FROM "Workflow" WHERE id = r."workflowId"\x3b
    PERFORM pg_notify(''tollgate_kill_switch'', json_build_object(
      ''change'', nullif(current_setting(''tollgate.kill_switch_change'', true), ''''),
      ''scopeKey'', r."scopeKey",
      ''scope'', r.scope,
      ''version'', v::text,
      ''engaged'', TG_OP <> ''DELETE'' AND r.engaged,
      ''reason'', left(r.reason, 500),
      ''environmentId'', r."environmentId",
      ''agentId'', r."agentId",
      ''workflowId'', r."workflowId",
      ''workflowKey'', wf)::text)\x3b
    RETURN NULL\x3b
  END\x3b';

CREATE TRIGGER "KillSwitch_notify"
  AFTER INSERT OR UPDATE OR DELETE ON "KillSwitch"
  FOR EACH ROW EXECUTE FUNCTION tollgate_kill_switch_notify();
