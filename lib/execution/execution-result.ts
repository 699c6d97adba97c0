import "server-only";
import type { Prisma, Tx } from "@/lib/db";
import type { TStatus } from "@/lib/action-requests";

type TExecutionOutcome =
  | "succeeded"
  /**
   * a revert that found a field changed since its plan (lib/reverts/settle-revert.ts), or a
   * write superseded by its field's system of record (lib/execution/field-rules.ts)
   */
  | "failed"
  | "retrying"
  | "dead_lettered"
  | "back_to_approval"
  | "halted"
  | "postponed"
  | "claim_failed"
  | "skipped"
  | "interrupted";

export type TExecutionResult = {
  outcome: TExecutionOutcome;
  /** when the next try may start (retrying, postponed) */
  nextAttemptAt?: Date;
  detail?: string;
  /** the other requests of a batch this try wrote, each with its own outcome */
  batch?: ({ requestId: string } & Omit<TExecutionResult, "batch">)[];
};

/** The statuses a worker may claim a request from. */
export const RUNNABLE: readonly TStatus[] = ["approved", "auto_approved", "retrying"];

/** What an execution try reads with a request: field changes, action type, environment. */
export const EXECUTION_INCLUDE = {
  fieldChanges: true,
  actionType: { select: { key: true, operation: true } },
  workflowVersion: { select: { workflowId: true } },
  environment: true,
  // the writer field ownership checks allowedWriters against (lib/execution/field-rules.ts)
  agent: { select: { slug: true } },
} satisfies Prisma.ActionRequestInclude;

/** The request with what an execution try reads. */
export async function loadForExecution(tx: Tx, id: string) {
  return tx.actionRequest.findUnique({ where: { id }, include: EXECUTION_INCLUDE });
}

export type TLoaded = NonNullable<Awaited<ReturnType<typeof loadForExecution>>>;
