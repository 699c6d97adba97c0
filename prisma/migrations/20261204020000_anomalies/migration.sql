-- CreateTable
CREATE TABLE "AnomalyRule" (
    "id" TEXT NOT NULL,
    "agentId" TEXT,
    "actionTypeId" TEXT,
    "scopeKey" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "windowMinutes" INTEGER NOT NULL DEFAULT 10,
    "zThreshold" DOUBLE PRECISION NOT NULL DEFAULT 6,
    "minCount" INTEGER NOT NULL DEFAULT 30,
    "autoTrip" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT,

    CONSTRAINT "AnomalyRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Anomaly" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "actionTypeId" TEXT NOT NULL,
    "ruleId" TEXT,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "windowEnd" TIMESTAMP(3) NOT NULL,
    "observed" INTEGER NOT NULL,
    "baseline" DOUBLE PRECISION NOT NULL,
    "scale" DOUBLE PRECISION NOT NULL,
    "zThreshold" DOUBLE PRECISION NOT NULL,
    "minCount" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "peakObserved" INTEGER NOT NULL,
    "peakScore" DOUBLE PRECISION NOT NULL,
    "action" TEXT NOT NULL,
    "actionDetail" TEXT NOT NULL,
    "killSwitchId" TEXT,
    "webhookDeliveryId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedById" TEXT,

    CONSTRAINT "Anomaly_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WeeklyDigest" (
    "id" TEXT NOT NULL,
    "week" TIMESTAMP(3) NOT NULL,
    "trigger" TEXT NOT NULL,
    "requestedById" TEXT,
    "text" TEXT NOT NULL,
    "figures" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "webhookDeliveryId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WeeklyDigest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AnomalyRule_scopeKey_key" ON "AnomalyRule"("scopeKey");

-- CreateIndex
CREATE INDEX "Anomaly_agentId_createdAt_idx" ON "Anomaly"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "Anomaly_createdAt_idx" ON "Anomaly"("createdAt");

-- CreateIndex
CREATE INDEX "Anomaly_endedAt_idx" ON "Anomaly"("endedAt");

-- CreateIndex
CREATE INDEX "WeeklyDigest_createdAt_idx" ON "WeeklyDigest"("createdAt");

-- CreateIndex
CREATE INDEX "MetricHour_agentId_actionTypeId_hour_idx" ON "MetricHour"("agentId", "actionTypeId", "hour");

-- AddForeignKey
ALTER TABLE "AnomalyRule" ADD CONSTRAINT "AnomalyRule_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AnomalyRule" ADD CONSTRAINT "AnomalyRule_actionTypeId_fkey" FOREIGN KEY ("actionTypeId") REFERENCES "ActionType"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AnomalyRule" ADD CONSTRAINT "AnomalyRule_updatedById_fkey" FOREIGN KEY ("updatedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Anomaly" ADD CONSTRAINT "Anomaly_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Anomaly" ADD CONSTRAINT "Anomaly_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Anomaly" ADD CONSTRAINT "Anomaly_actionTypeId_fkey" FOREIGN KEY ("actionTypeId") REFERENCES "ActionType"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Anomaly" ADD CONSTRAINT "Anomaly_acknowledgedById_fkey" FOREIGN KEY ("acknowledgedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WeeklyDigest" ADD CONSTRAINT "WeeklyDigest_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- One open episode per agent and action type: the evaluation that opens it alerts, any other
-- finds it there (lib/anomalies/evaluate.ts)
CREATE UNIQUE INDEX "Anomaly_open_episode_key" ON "Anomaly"("agentId", "actionTypeId") WHERE "endedAt" IS NULL;

-- One scheduled digest per week: a second worker or a retry inserts nothing and sends nothing
CREATE UNIQUE INDEX "WeeklyDigest_scheduled_week_key" ON "WeeklyDigest"("week") WHERE "trigger" = 'schedule';
