import "server-only";
import { db } from "@/lib/db";
import type { SalesforceConnector } from "@/lib/connectors/salesforce";
import { mergeRetryPolicy, type TRetryPolicy } from "./retry-policy";
import { recordClaimFailure } from "./claim-failure";
import { claimTry } from "./claim";
import { loadForExecution, type TExecutionResult } from "./execution-result";
import { writeToSalesforce } from "./write";
import { recordOutcome } from "./record-outcome";

export type { TExecutionResult } from "./execution-result";

async function retryPolicy(): Promise<TRetryPolicy> {
  return mergeRetryPolicy(await db.retryPolicy.findMany());
}

/**
 * One execution try of an approved request, as a pg-boss job runs it. Three steps:
 *
 * 1. Claim (`claim.ts`, short transaction): a guarded move to `executing` that only one worker
 *    can win, after the last kill-switch check and the API-usage check; an ExecutionAttempt row.
 * 2. Write (`write.ts`, inside one transaction that holds the request's row lock for the
 *    Salesforce calls): read the record, compare with the value the approver saw, write with
 *    If-Unmodified-Since, read back. A worker that dies here releases the lock with its
 *    connection, which is how the sweep (`recoverInterrupted`, sweep.ts) tells a dead worker from a slow one.
 * 3. Record (`record-outcome.ts`, in that same transaction): before/after per field (data lane),
 *    each connector call (execution lane), the new status; or the retry / dead letter / return
 *    to approval.
 */
export async function executeRequest(
  requestId: string,
  opts: { workerId: string; connector?: SalesforceConnector },
): Promise<TExecutionResult> {
  let claim;
  try {
    claim = await claimTry(requestId, opts.workerId);
  } catch (e) {
    // a claim that keeps failing must not loop forever: counted, backed off, then dead-lettered
    return recordClaimFailure(requestId, e, opts.workerId);
  }
  if (claim.outcome !== "claimed") return claim;
  return runAttempt(requestId, claim.attempt, claim.interrupted, opts);
}

/** Steps 2 and 3: the write and its record, under the request's row lock. */
async function runAttempt(
  requestId: string,
  attempt: number,
  afterInterruption: boolean,
  opts: { workerId: string; connector?: SalesforceConnector },
): Promise<TExecutionResult> {
  const policy = await retryPolicy();
  return db.$transaction(
    async (tx) => {
      const [mine] = await tx.$queryRaw<{ id: string }[]>`
        select id from "ActionRequest"
        where id = ${requestId} and status = 'executing' and attempts = ${attempt} for update`;
      if (!mine) return { outcome: "skipped" as const, detail: "another worker took over" };
      const ar = (await loadForExecution(tx, requestId))!;
      const { outcome, log } = await writeToSalesforce(ar, afterInterruption, opts.connector);
      return recordOutcome(tx, ar, attempt, outcome, log, policy, opts.workerId);
    },
    { maxWait: 10_000, timeout: 180_000 },
  );
}
