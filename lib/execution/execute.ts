import "server-only";
import { performance } from "node:perf_hooks";
import { db } from "@/lib/db";
import type { SalesforceConnector } from "@/lib/connectors/salesforce";
import { mergeRetryPolicy, type TRetryPolicy } from "./retry-policy";
import { recordClaimFailure } from "./claim-failure";
import { claimTry } from "./claim";
import type { TExecutionResult } from "./execution-result";
import { Lease } from "./lease";
import { writeToSalesforce } from "./write";
import { writeBatchToSalesforce } from "./write-batch";
import { recordTries, type TFinishedTry } from "./record-tries";

export type { TExecutionResult } from "./execution-result";

async function retryPolicy(): Promise<TRetryPolicy> {
  return mergeRetryPolicy(await db.retryPolicy.findMany());
}

/**
 * One execution try of an approved request, as a pg-boss job runs it. No transaction is open
 * while Salesforce is called. Three steps:
 *
 * 1. Claim (`claim.ts`, short transaction): a guarded move to `executing` that only one worker
 *    can win, after the last kill-switch and API-usage checks; an ExecutionAttempt row; a lease
 *    on the row (`lease.ts`) that this worker renews while it works.
 * 2. Write (`write.ts`, outside any transaction): read the record, compare with the value the
 *    approver saw, write with If-Unmodified-Since, read back. A write starts only inside the
 *    lease, with a deadline before it ends.
 * 3. Record (`record-tries.ts`, short transaction, guarded by status, try number and lease
 *    holder): before/after per field (data lane), each connector call (execution lane), the
 *    new status; or the retry, dead letter, return to approval. A try that lost its lease
 *    records only its calls.
 *
 * An update may claim other runnable updates of its object with it (a batch, `claimTry`): they
 * are written in one Salesforce call (`write-batch.ts`) and each recorded on its own request;
 * `batch` in the result says what happened to each of the others.
 *
 * A worker that dies after step 1 stops renewing; once the lease runs out the sweep
 * (`recoverInterrupted`) sends the request to `retrying`, and its next try reads first.
 */
export async function executeRequest(
  requestId: string,
  opts: { workerId: string; connector?: SalesforceConnector },
): Promise<TExecutionResult> {
  const since = performance.now();
  let claim;
  try {
    claim = await claimTry(requestId, opts.workerId);
  } catch (e) {
    // a claim that keeps failing must not loop forever: counted, backed off, then dead-lettered
    return recordClaimFailure(requestId, e, opts.workerId);
  }
  if (claim.outcome !== "claimed") return claim;
  const ids = claim.tries.map((t) => t.ar.id);
  const lease = new Lease(claim.holder, ids, since).start();
  try {
    const policy = await retryPolicy();
    let finished: TFinishedTry[];
    if (claim.tries.length === 1) {
      const [t] = claim.tries;
      const { outcome, log } = await writeToSalesforce(t.ar, t.interrupted, lease, opts.connector);
      finished = [{ ...t, outcome, log }];
    } else {
      const written = await writeBatchToSalesforce(claim.tries, lease, opts.connector);
      finished = claim.tries.map((t) => ({ ...t, ...written.get(t.ar.id)! }));
    }
    const results = await recordTries(claim.holder, finished, policy, opts.workerId);
    const result = results.get(requestId)!;
    if (claim.tries.length === 1) return result;
    return {
      ...result,
      batch: claim.tries.slice(1).map((t) => ({ requestId: t.ar.id, ...results.get(t.ar.id)! })),
    };
  } finally {
    await lease.stop();
  }
}
