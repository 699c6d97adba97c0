-- When the phaseGates leader last evaluated each workflow canary (the workflow page's card
-- says so), and what it found: one row per canary version, overwritten at each evaluation.
CREATE TABLE "CanaryEvaluation" (
    "workflowVersionId" TEXT NOT NULL,
    "evaluatedAt" TIMESTAMP(3) NOT NULL,
    "failed" BOOLEAN NOT NULL,
    "looks" INTEGER NOT NULL,

    CONSTRAINT "CanaryEvaluation_pkey" PRIMARY KEY ("workflowVersionId")
);

ALTER TABLE "CanaryEvaluation" ADD CONSTRAINT "CanaryEvaluation_workflowVersionId_fkey" FOREIGN KEY ("workflowVersionId") REFERENCES "WorkflowVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
