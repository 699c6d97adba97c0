import "server-only";
import { type Prisma, type Tx } from "@/lib/db";
import {
  auditEvent,
  writeAuditEvent,
  type TAuditAction,
  type TAuditInput,
  type TAuditPayload,
  type TRequestContext,
} from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { queueAgentCallback } from "./agent-callback";
import { checkTransition, type TActorKind, type TStatus } from "./transitions";

export type TActor = TAuditInput["actor"] | { type: "worker"; workerId: string };

/**
 * Move one request from `from` to `to` inside the caller's transaction: allowed by the state
 * machine, guarded (`where status = from`, exactly one row), audited in the same transaction.
 * Two racing callers cannot both win: the loser gets a 409 and its transaction rolls back.
 */
export async function transitionRequest(
  tx: Tx,
  args: {
    id: string;
    from: TStatus;
    to: TStatus;
    actor: TActor;
    reason?: string | null;
    data?: Omit<Prisma.ActionRequestUpdateManyMutationInput, "status">;
    payload?: Record<string, unknown>;
    /** where a person's request came from (console actions) */
    context?: TRequestContext | null;
  },
) {
  const kind: TActorKind = args.actor.type === "worker" ? "worker" : args.actor.type;
  const check = checkTransition(args.from, args.to, kind);
  if (!check.ok) throw new AppError("invalid_transition", check.reason);
  const { count } = await tx.actionRequest.updateMany({
    where: { id: args.id, status: args.from },
    data: { ...args.data, status: args.to },
  });
  if (count !== 1) {
    throw new AppError(
      "state_changed",
      `The request is no longer ${args.from.replaceAll("_", " ")}: someone or something acted on it first`,
    );
  }
  const { revertsId, ...row } = await tx.actionRequest.findUniqueOrThrow({
    where: { id: args.id },
    select: { environmentId: true, object: true, recordId: true, revertsId: true },
  });
  await writeAuditEvent(tx, transitionEvent(check.event, { ...args, ...row }));
  await queueAgentCallback(tx, args.id, args.to);
  if (revertsId) await closeReversals(tx, [args.id], args.to);
  return check.event;
}

/** The audit event of one move (the same for one request or a batch). */
export function transitionEvent(
  event: TAuditAction,
  m: {
    id: string;
    from: TStatus;
    to: TStatus;
    actor: TActor;
    reason?: string | null;
    payload?: Record<string, unknown>;
    context?: TRequestContext | null;
    environmentId: string;
    object: string;
    recordId: string | null;
  },
): TAuditInput {
  return auditEvent({
    actor: m.actor.type === "worker" ? { type: "system" } : m.actor,
    action: event,
    subjectId: m.id,
    environmentId: m.environmentId,
    object: m.object,
    recordId: m.recordId,
    reasonText: m.reason ?? null,
    payload: {
      from: m.from,
      to: m.to,
      ...(m.actor.type === "worker" ? { workerId: m.actor.workerId } : {}),
      ...m.payload,
    } as TAuditPayload<TAuditAction>,
    context: m.context,
  });
}

/**
 * A revert request that ends without writing (denied, expired, discarded) or fails closes the
 * Reversal row it carries out, so no reversal stays `planned` for ever; its success and its
 * conflict are recorded by lib/reverts/settle-revert.ts.
 */
export async function closeReversals(tx: Tx, revertIds: string[], to: TStatus) {
  if (!["denied", "expired", "discarded", "failed"].includes(to) || !revertIds.length) return;
  await tx.$executeRaw`
    update "Reversal" set status = ${to}, "completedAt" = ${new Date()}
    where status = 'planned' and detail->>'revertRequestId' = any(${revertIds}::text[])`;
}
