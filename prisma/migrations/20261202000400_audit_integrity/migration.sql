-- Issue 9 item 8: audit integrity.
-- 1. Verification progress per lane and a record of every verification run.
-- 2. tollgate_append_audit runs as its owner (SECURITY DEFINER, fixed search_path), so the
--    runtime role (lib/db/admin.ts grantRuntimeRole) needs only SELECT on "AuditEvent" and
--    "AuditLaneHead" and EXECUTE on this function: it can append, never rewrite, a lane or its head.
-- Bodies are escaped strings with \x3b for each semicolon: Prisma migrate through a driver
-- adapter splits a script at every semicolon.
CREATE TABLE "AuditLaneVerification" (
    "lane" "AuditLane" NOT NULL,
    "verifiedSeq" INTEGER NOT NULL DEFAULT 0,
    "verifiedHash" TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    "nextRunAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastRunAt" TIMESTAMP(3),
    "lastFullAt" TIMESTAMP(3),
    "ok" BOOLEAN NOT NULL DEFAULT true,
    "breakSeq" INTEGER,
    "breakKind" TEXT,
    "breakDetail" TEXT,
    "alertedAt" TIMESTAMP(3),

    CONSTRAINT "AuditLaneVerification_pkey" PRIMARY KEY ("lane")
);

INSERT INTO "AuditLaneVerification" (lane) VALUES ('config'), ('data'), ('execution')
ON CONFLICT (lane) DO NOTHING;

CREATE TABLE "AuditVerificationRun" (
    "id" TEXT NOT NULL,
    "lane" "AuditLane" NOT NULL,
    "trigger" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "actorUserId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,
    "fromSeq" INTEGER NOT NULL,
    "checked" INTEGER NOT NULL,
    "headSeq" INTEGER NOT NULL,
    "headHash" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "breakSeq" INTEGER,
    "breakKind" TEXT,
    "breakDetail" TEXT,
    "alerted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "AuditVerificationRun_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "AuditVerificationRun_lane_startedAt_idx" ON "AuditVerificationRun"("lane", "startedAt");
CREATE INDEX "AuditVerificationRun_startedAt_idx" ON "AuditVerificationRun"("startedAt");

DO E'BEGIN
  EXECUTE format(''ALTER FUNCTION tollgate_append_audit(text, timestamp, text, text, text, text, text, text, text, text, text, text, jsonb, jsonb, text, text, jsonb, jsonb, jsonb, text) SECURITY DEFINER SET search_path = %I, pg_temp'', current_schema())\x3b
END';

REVOKE EXECUTE ON FUNCTION tollgate_append_audit(text, timestamp, text, text, text, text, text, text, text, text, text, text, jsonb, jsonb, text, text, jsonb, jsonb, jsonb, text) FROM PUBLIC;
