import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { writeAuditEvents, type TAuditAction } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { queueAgentCallbacks } from "./agent-callback";
import { closeReversals, transitionEvent, type TActor } from "./transition-request";
import { checkTransition, type TActorKind, type TStatus } from "./transitions";

/** One request's part of a bulk move: where it moves from and what its audit event says. */
export type TMove = {
  id: string;
  from: TStatus;
  environmentId: string;
  object: string;
  recordId: string | null;
  payload?: Record<string, unknown>;
  /** this row's own values, which `set` reads as `m.data` (jsonb) */
  data?: Record<string, unknown>;
};

/**
 * `transitionRequest` for many requests at once (a batch of execution tries), inside the
 * caller's transaction: checked against the state machine, one guarded UPDATE (each row from
 * its own `from`; unless every row moves, 409 `state_changed` and the transaction rolls back),
 * one audit event per request — the same event transitionRequest writes — appended in one
 * statement, and the agents' callbacks. `set`: further columns, the same expression for every row
 * (`m.data` is the row's own `data`).
 */
export async function transitionRequests(
  tx: Tx,
  args: { moves: TMove[]; to: TStatus; actor: TActor; reason?: string | null; set?: Prisma.Sql },
) {
  const { moves, to } = args;
  if (!moves.length) return;
  const kind: TActorKind = args.actor.type === "worker" ? "worker" : args.actor.type;
  const events = new Map<TStatus, TAuditAction>();
  for (const m of moves) {
    if (events.has(m.from)) continue;
    const check = checkTransition(m.from, to, kind);
    if (!check.ok) throw new AppError("invalid_transition", check.reason);
    events.set(m.from, check.event);
  }
  const ids = moves.map((m) => m.id);
  const set = args.set ? Prisma.sql`, ${args.set}` : Prisma.empty;
  const moved = await tx.$executeRaw`
    update "ActionRequest" ar set status = ${to}::"ActionRequestStatus", "updatedAt" = ${new Date()} ${set}
    from unnest(${ids}::text[], ${moves.map((m) => m.from)}::text[],
      ${moves.map((m) => JSON.stringify(m.data ?? {}))}::jsonb[]) as m(id, "from", data)
    where ar.id = m.id and ar.status::text = m."from"`;
  if (moved !== moves.length) {
    throw new AppError(
      "state_changed",
      `${moves.length - moved} of ${moves.length} requests were no longer where they were: someone or something acted on them first`,
    );
  }
  await writeAuditEvents(
    tx,
    moves.map((m) =>
      transitionEvent(events.get(m.from)!, { ...m, to, actor: args.actor, reason: args.reason }),
    ),
  );
  await queueAgentCallbacks(tx, ids, to);
  await closeReversals(tx, ids, to);
}
