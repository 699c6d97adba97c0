import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import type { TConnectorCall } from "@/lib/connectors/salesforce";
import type { TClaimedTry } from "./claim";
import type { TExecutionResult } from "./execution-result";
import { recordCalls, recordOutcome } from "./record-outcome";
import type { TRetryPolicy } from "./retry-policy";
import type { TWriteOutcome } from "./write";

export type TFinishedTry = TClaimedTry & { outcome: TWriteOutcome };

const LOST: TExecutionResult = {
  outcome: "skipped",
  detail: "this try lost its lease: a newer try (or the sweep) owns the request",
};

/**
 * Step 3: one short transaction that records each try whose claim still holds its request — status `executing`, the claimed try number, this claim's holder,
 * locked for the rest of the transaction — and, for a try that lost its lease meanwhile, only
 * its connector calls (`late`): a newer try's outcome is never written over.
 */
export async function recordTries(
  holder: string,
  tries: TFinishedTry[],
  log: TConnectorCall[],
  policy: TRetryPolicy,
  workerId: string,
): Promise<Map<string, TExecutionResult>> {
  return db.$transaction(
    async (tx) => {
      const held = await stillHeld(tx, holder, tries);
      const results = new Map<string, TExecutionResult>();
      for (const t of tries) {
        if (held.has(t.ar.id)) {
          results.set(
            t.ar.id,
            await recordOutcome(tx, t.ar, t.attempt, t.outcome, log, policy, workerId),
          );
        } else {
          await recordLate(tx, t, log, workerId);
          results.set(t.ar.id, LOST);
        }
      }
      return results;
    },
    { timeout: 60_000 },
  );
}

/** The tries of this claim that still hold their request, locked until the commit. */
async function stillHeld(tx: Tx, holder: string, tries: TFinishedTry[]) {
  const ids = tries.map((t) => t.ar.id);
  const rows = await tx.$queryRaw<{ id: string; attempts: number }[]>`
    select id, attempts from "ActionRequest"
    where id = any(${ids}) and status = 'executing' and "leaseHolder" = ${holder}
    order by id for update`;
  const attemptOf = new Map(tries.map((t) => [t.ar.id, t.attempt]));
  return new Set(rows.filter((r) => r.attempts === attemptOf.get(r.id)).map((r) => r.id));
}

/** A try that lost its lease: its calls go on record, its outcome does not. */
async function recordLate(tx: Tx, t: TFinishedTry, log: TConnectorCall[], workerId: string) {
  await recordCalls(tx, t.ar, t.attempt, log, workerId, { late: true });
  await tx.executionAttempt.updateMany({
    where: { actionRequestId: t.ar.id, attemptNumber: t.attempt },
    data: { connectorCalls: log as unknown as Prisma.InputJsonValue },
  });
}
