-- CreateEnum
CREATE TYPE "IncidentSeverity" AS ENUM ('P0', 'P1', 'P2', 'P3');

-- CreateTable
CREATE TABLE "PromotionCriteria" (
    "agentId" TEXT NOT NULL,
    "minProposals" INTEGER NOT NULL,
    "maxReversalRate" DOUBLE PRECISION NOT NULL,
    "maxExceptionRate" DOUBLE PRECISION NOT NULL,
    "anomalyFreeDays" INTEGER NOT NULL,
    "windowDays" INTEGER NOT NULL,
    "autoDemote" BOOLEAN NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "PromotionCriteria_pkey" PRIMARY KEY ("agentId")
);

-- CreateTable
CREATE TABLE "PhaseChange" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "fromPhase" "AgentPhase" NOT NULL,
    "toPhase" "AgentPhase" NOT NULL,
    "kind" TEXT NOT NULL,
    "actorId" TEXT,
    "reason" TEXT NOT NULL,
    "evaluation" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PhaseChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "sourceRef" TEXT NOT NULL,
    "agentId" TEXT,
    "environmentId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "openedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "openedById" TEXT,
    "severity" "IncidentSeverity",
    "severitySetAt" TIMESTAMP(3),
    "severitySetById" TEXT,
    "severityReason" TEXT,
    "closedAt" TIMESTAMP(3),
    "closedById" TEXT,
    "closeReason" TEXT,

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PhaseChange_agentId_createdAt_idx" ON "PhaseChange"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "Incident_agentId_openedAt_idx" ON "Incident"("agentId", "openedAt");

-- CreateIndex
CREATE INDEX "Incident_openedAt_idx" ON "Incident"("openedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Incident_source_sourceRef_key" ON "Incident"("source", "sourceRef");

-- AddForeignKey
ALTER TABLE "PromotionCriteria" ADD CONSTRAINT "PromotionCriteria_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionCriteria" ADD CONSTRAINT "PromotionCriteria_updatedById_fkey" FOREIGN KEY ("updatedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhaseChange" ADD CONSTRAINT "PhaseChange_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhaseChange" ADD CONSTRAINT "PhaseChange_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_openedById_fkey" FOREIGN KEY ("openedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_severitySetById_fkey" FOREIGN KEY ("severitySetById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_closedById_fkey" FOREIGN KEY ("closedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- at most one open dead-letter burst per agent: the incidents job inserts ON CONFLICT DO NOTHING,
-- so two runs at once cannot open the same burst twice
CREATE UNIQUE INDEX "Incident_open_burst_key" ON "Incident"("agentId")
  WHERE "source" = 'dead_letter_burst' AND "closedAt" IS NULL;

-- An agent's phase changes only through lib/gates (promote, demote, the automatic demotion),
-- which sets tollgate.phase_change to the agent's id for its transaction: any other door (an
-- edit route, a script, plain SQL) is refused here.
CREATE OR REPLACE FUNCTION tollgate_agent_phase_guard() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN IF NEW."phase" IS DISTINCT FROM OLD."phase" AND coalesce(current_setting(''tollgate.phase_change'', true), '''') <> NEW."id" THEN RAISE EXCEPTION ''agent % changes phase only through a promotion or demotion (lib/gates)'', NEW."slug" USING ERRCODE = ''check_violation''\x3b END IF\x3b RETURN NEW\x3b END\x3b';

CREATE TRIGGER "Agent_phase_guard"
  BEFORE UPDATE OF "phase" ON "Agent"
  FOR EACH ROW EXECUTE FUNCTION tollgate_agent_phase_guard();
