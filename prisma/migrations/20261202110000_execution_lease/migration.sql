-- Execution without long transactions (lib/execution/lease.ts): a claimed try holds a lease on
-- its request row instead of a row lock across the Salesforce calls. leaseHolder names the
-- claim (worker id and a random part, new for every claim), leaseUntil is when the sweep may
-- take the try back, renewed by the live worker. Both mean something only while executing.
ALTER TABLE "ActionRequest"
  ADD COLUMN "leaseUntil" TIMESTAMP(3),
  ADD COLUMN "leaseHolder" TEXT;

-- Tries in flight under the previous build (row lock, 60 s grace) keep that grace as a lease.
UPDATE "ActionRequest"
SET "leaseUntil" = coalesce("executedAt", now() at time zone 'UTC') + interval '60 seconds'
WHERE status = 'executing';

CREATE INDEX "ActionRequest_status_leaseUntil_idx" ON "ActionRequest"(status, "leaseUntil");
