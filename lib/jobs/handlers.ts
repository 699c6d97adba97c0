import "server-only";
import type pg from "pg";
import { createSealerStep, verifyAuditOnSchedule } from "@/lib/audit";
import { executeRequest, type TExecutionResult } from "@/lib/execution/execute";
import { enqueueExecution } from "@/lib/execution/queue";
import {
  enqueueDueRequests,
  escalateOverdue,
  expireStale,
  recoverInterrupted,
} from "@/lib/execution/sweep";
import { pruneRateCounters } from "@/lib/guardrails/rate-limit";
import { deliverDueWebhooks } from "@/lib/webhooks/deliver";
import { reconcileAll } from "@/lib/reconcile/reconcile";
import { advanceBackouts } from "@/lib/backouts/run-backout";
import { rollupMetrics } from "@/lib/metrics/rollup";
import { detectAnomalies } from "@/lib/anomalies/evaluate";
import { sendWeeklyDigest } from "@/lib/anomalies/digest";
import { runPhaseGates } from "@/lib/gates/run-phase-gates";
import { sweepRolledBackCanaries } from "@/lib/workflows/sweep-rolled-back";
import type { TJobName, TJobPayload, TLeaderName } from "./registry";

export type TJobContext = { workerId: string; log: (line: string) => void };

/** What a job did, for the worker's log: a count (logged when not 0) or nothing. */
type THandler<N extends TJobName> = (
  payload: TJobPayload<N>,
  ctx: TJobContext,
) => Promise<number | void>;

/** ", with 199 others: 198 succeeded, 1 retrying" for a batch try; "" for one request. */
function batchSummary(result: TExecutionResult) {
  if (!result.batch?.length) return "";
  const counts = new Map<string, number>();
  for (const r of result.batch) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(", ");
  return ` (with ${result.batch.length} others: ${parts})`;
}

/** One handler per registered job: the registry says what and when, this says how. */
export const JOB_HANDLERS: { [N in TJobName]: THandler<N> } = {
  execute: async ({ requestId }, { workerId, log }) => {
    const result = await executeRequest(requestId, { workerId });
    if (result.outcome !== "skipped") log(`${requestId}: ${result.outcome}${batchSummary(result)}`);
    // a retry's time, or a job that came before its request was due; the same for each of a batch
    for (const r of [{ requestId, ...result }, ...(result.batch ?? [])]) {
      if (r.nextAttemptAt) await enqueueExecution(r.requestId, r.nextAttemptAt);
    }
  },
  recoverInterrupted: async () => {
    const ids = await recoverInterrupted();
    for (const id of ids) await enqueueExecution(id);
    return ids.length;
  },
  escalateOverdue: () => escalateOverdue(),
  expireStale: () => expireStale(),
  enqueueDue: () => enqueueDueRequests(),
  deliverWebhooks: () => deliverDueWebhooks(),
  sweepRolledBackCanaries: () => sweepRolledBackCanaries(),
  // the lanes due (TOLLGATE_AUDIT_VERIFY_MS), claimed by one worker each; logs only breaks
  verifyAudit: async () => (await verifyAuditOnSchedule()).filter((r) => r.broken).length,
  pruneRateCounters: () => pruneRateCounters(),
  reconcile: () => reconcileAll(),
  backouts: () => advanceBackouts(),
  metricsRollup: () => rollupMetrics(),
  detectAnomalies: async () => (await detectAnomalies()).opened.length,
  // once per week whoever runs it: a second run (another worker, a retry) finds it sent
  weeklyDigest: async () => ((await sendWeeklyDigest()) ? 1 : 0),
};

/** One step of a leader loop, on the leader's own connection (the one holding its lock). */
export type TLeaderStep = (client: Pick<pg.ClientBase, "query">) => Promise<number | void>;

/** Each leader loop's step, made once per term of leadership (a step may keep state). */
export const LEADER_HANDLERS: { [N in TLeaderName]: (ctx: TJobContext) => TLeaderStep } = {
  sealAudit: ({ log }) => createSealerStep(log),
  // on the shared pool, not the leader's connection: its parts take transactions of their own
  phaseGates: () => () => runPhaseGates(),
};
