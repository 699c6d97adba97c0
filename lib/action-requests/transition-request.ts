import "server-only";
import { type Prisma, type Tx } from "@/lib/db";
import { writeAuditEvent, type TAuditInput, type TRequestContext } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { queueAgentCallback } from "./agent-callback";
import { checkTransition, type TActorKind, type TStatus } from "./transitions";

type TActor = TAuditInput["actor"] | { type: "worker"; workerId: string };

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
  const row = await tx.actionRequest.findUniqueOrThrow({
    where: { id: args.id },
    select: { environmentId: true, object: true, recordId: true },
  });
  await writeAuditEvent(tx, {
    actor: args.actor.type === "worker" ? { type: "system" } : args.actor,
    action: check.event,
    subjectId: args.id,
    environmentId: row.environmentId,
    object: row.object,
    recordId: row.recordId,
    reasonText: args.reason ?? null,
    payload: {
      from: args.from,
      to: args.to,
      ...(args.actor.type === "worker" ? { workerId: args.actor.workerId } : {}),
      ...args.payload,
    },
    context: args.context,
  });
  await queueAgentCallback(tx, args.id, args.to);
  return check.event;
}
