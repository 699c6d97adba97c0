import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { transitionRequests } from "@/lib/action-requests";
import { writeAuditEvents } from "@/lib/audit";
import type { TConnectorCall } from "@/lib/connectors/salesforce";
import type { TClaimedTry } from "./claim";
import type { TExecutionResult } from "./execution-result";
import { callEvents, recordCalls, recordOutcome, writtenEvent } from "./record-outcome";
import type { TRetryPolicy } from "./retry-policy";
import type { TWriteOutcome } from "./write";
import { settleRevertsSucceeded } from "@/lib/reverts/settle-revert";

/** A try with what its write did and the connector calls it made (a batch's calls are each request's). */
export type TFinishedTry = TClaimedTry & { outcome: TWriteOutcome; log: TConnectorCall[] };

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
  policy: TRetryPolicy,
  workerId: string,
): Promise<Map<string, TExecutionResult>> {
  if (tries.length === 1) return recordTogether(holder, tries, policy, workerId);
  try {
    return await recordTogether(holder, tries, policy, workerId);
  } catch (e) {
    // one request's record failing must not undo the others' (their writes are in Salesforce):
    // each in a transaction of its own, so only the broken one is left to the sweep
    console.error(`[execution] recording a batch of ${tries.length} failed, one by one:`, e);
    const results = new Map<string, TExecutionResult>();
    for (const t of tries) {
      try {
        for (const [id, r] of await recordTogether(holder, [t], policy, workerId))
          results.set(id, r);
      } catch (one) {
        console.error(`[execution] could not record ${t.ar.id} (the sweep retries it):`, one);
        results.set(t.ar.id, { outcome: "interrupted", detail: (one as Error).message });
      }
    }
    return results;
  }
}

async function recordTogether(
  holder: string,
  tries: TFinishedTry[],
  policy: TRetryPolicy,
  workerId: string,
): Promise<Map<string, TExecutionResult>> {
  return db.$transaction(
    async (tx) => {
      const held = await stillHeld(tx, holder, tries);
      const results = new Map<string, TExecutionResult>();
      const succeeded: TWritten[] = [];
      for (const t of tries) {
        if (!held.has(t.ar.id)) {
          await recordLate(tx, t, workerId);
          results.set(t.ar.id, LOST);
        } else if (t.outcome.kind === "written") {
          succeeded.push(t as TWritten);
          results.set(t.ar.id, { outcome: "succeeded" });
        } else {
          results.set(
            t.ar.id,
            await recordOutcome(tx, t.ar, t.attempt, t.outcome, t.log, policy, workerId),
          );
        }
      }
      if (succeeded.length === 1) {
        const [t] = succeeded;
        await recordOutcome(tx, t.ar, t.attempt, t.outcome, t.log, policy, workerId);
      } else await recordSucceeded(tx, succeeded, workerId);
      return results;
    },
    { timeout: 60_000 },
  );
}

type TWritten = TFinishedTry & { outcome: TWriteOutcome & { kind: "written" } };

const json = (v: unknown) => JSON.stringify(v ?? null);

/**
 * What `recordOutcome` records for a written try, for many at once in a handful of statements
 * (a batch's successes): the connector calls and before/after (audit, one append), each try
 * finished, each field's applied value, each request `succeeded` (one guarded UPDATE).
 */
async function recordSucceeded(tx: Tx, done: TWritten[], workerId: string) {
  if (!done.length) return;
  const now = new Date();
  await writeAuditEvents(tx, [
    ...done.flatMap((t) => callEvents(t.ar, t.attempt, t.log, workerId)),
    ...done.map((t) => writtenEvent(t.ar, t.attempt, t.outcome)),
  ]);
  await tx.$executeRaw`
    update "ExecutionAttempt" e set "finishedAt" = ${now}, outcome = 'succeeded',
      "errorClass" = null, "errorCode" = null, "errorMessage" = null, "connectorCalls" = v.calls
    from unnest(${done.map((t) => t.ar.id)}::text[], ${done.map((t) => t.attempt)}::int[],
      ${done.map((t) => json(t.log))}::jsonb[]) as v(id, attempt, calls)
    where e."actionRequestId" = v.id and e."attemptNumber" = v.attempt`;
  const applied = done.flatMap((t) =>
    t.ar.fieldChanges.map((f) => ({
      id: f.id,
      value: json(t.outcome.after[f.field]),
      before: json(t.outcome.before[f.field]),
    })),
  );
  await tx.$executeRaw`
    update "FieldChange" f set "appliedValue" = v.value, "valueBeforeWrite" = v.before
    from unnest(${applied.map((a) => a.id)}::text[], ${applied.map((a) => a.value)}::jsonb[],
      ${applied.map((a) => a.before)}::jsonb[]) as v(id, value, before)
    where f.id = v.id`;
  await transitionRequests(tx, {
    moves: done.map((t) => ({
      id: t.ar.id,
      from: "executing" as const,
      environmentId: t.ar.environmentId,
      object: t.ar.object,
      recordId: t.ar.recordId,
      payload: { attempt: t.attempt, alreadyApplied: t.outcome.alreadyApplied },
      data: { resultRecordId: t.outcome.recordId, after: t.outcome.after },
    })),
    to: "succeeded",
    actor: { type: "worker", workerId },
    set: Prisma.sql`"completedAt" = ${now}, "resultRecordId" = m.data->>'resultRecordId',
      after = m.data->'after', "lastErrorClass" = null, "lastErrorCode" = null,
      "lastErrorMessage" = null`,
  });
  await settleRevertsSucceeded(
    tx,
    done.map((t) => t.ar),
    { type: "worker", workerId },
    now,
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
async function recordLate(tx: Tx, t: TFinishedTry, workerId: string) {
  await recordCalls(tx, t.ar, t.attempt, t.log, workerId, { late: true });
  await tx.executionAttempt.updateMany({
    where: { actionRequestId: t.ar.id, attemptNumber: t.attempt },
    data: { connectorCalls: t.log as unknown as Prisma.InputJsonValue },
  });
}
