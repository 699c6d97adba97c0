-- Try numbers never restart: a retry by a person starts a fresh budget of tries from attemptsBase.
-- claimFailures counts claims that threw in a row, so a broken claim is dead-lettered, not looped.
ALTER TABLE "ActionRequest"
  ADD COLUMN "attemptsBase" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "claimFailures" INTEGER NOT NULL DEFAULT 0;

-- Heal requests an earlier build reset to attempts = 0 while their tries stayed recorded:
-- they continue after the highest try, with a fresh budget.
UPDATE "ActionRequest" ar
SET "attempts" = t.highest, "attemptsBase" = t.highest
FROM (
  SELECT "actionRequestId", max("attemptNumber") AS highest
  FROM "ExecutionAttempt" GROUP BY "actionRequestId"
) t
WHERE t."actionRequestId" = ar.id AND ar."attempts" < t.highest;
