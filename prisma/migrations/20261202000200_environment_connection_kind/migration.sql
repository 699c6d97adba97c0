-- An environment's connection kind: a real Salesforce org, or the bundled sandbox on loopback.
-- Each kind has its own destination rule (lib/net/destination.ts).
ALTER TABLE "Environment" ADD COLUMN "connectionKind" TEXT NOT NULL DEFAULT 'salesforce';
ALTER TABLE "Environment" ADD CONSTRAINT "Environment_connectionKind_check"
  CHECK ("connectionKind" IN ('salesforce', 'sandbox'));

-- Environments already on a local sandbox keep working as the sandbox kind.
UPDATE "Environment" SET "connectionKind" = 'sandbox'
WHERE "sfLoginUrl" ~ '^https?://(localhost|127\.[0-9]+\.[0-9]+\.[0-9]+)(:[0-9]+)?/?$';
