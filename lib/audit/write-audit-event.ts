import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { contentHash } from "./hash-chain";
import {
  AUDIT_EVENTS,
  storedPayload,
  type TAuditAction,
  type TAuditPayload,
  type TRequestContext,
} from "./events";

export type { TAuditLane } from "./events";

type TAuditActor =
  { type: "agent"; agentId: string } | { type: "user"; userId: string } | { type: "system" };

/**
 * One audit event. The action names its lane and subject type (events.ts) and types its
 * payload; `context` is where a console action came from (stored in the hashed payload).
 */
export type TAuditInput<A extends TAuditAction = TAuditAction> = {
  action: A;
  actor: TAuditActor;
  subjectId: string;
  environmentId?: string | null;
  object?: string | null;
  recordId?: string | null;
  field?: string | null;
  oldValue?: unknown;
  newValue?: unknown;
  reasonCode?: string | null;
  reasonText?: string | null;
  source?: unknown;
  evidence?: unknown;
  payload: TAuditPayload<A>;
  context?: TRequestContext | null;
  at?: Date;
};

const jsonb = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** The hashed content of an event, as `writeAuditEvent` and `auditAppendSql` store it. */
function prepare<A extends TAuditAction>(input: TAuditInput<A>) {
  const payload = storedPayload(input.action, input.payload, input.context);
  const { lane, subjectType } = AUDIT_EVENTS[input.action];
  const createdAt = new Date(Math.floor((input.at ?? new Date()).getTime()));
  const event = {
    lane,
    createdAt,
    actorType: input.actor.type,
    actorAgentId: input.actor.type === "agent" ? input.actor.agentId : null,
    actorUserId: input.actor.type === "user" ? input.actor.userId : null,
    action: input.action as string,
    subjectType,
    subjectId: input.subjectId,
    environmentId: input.environmentId ?? null,
    object: input.object ?? null,
    recordId: input.recordId ?? null,
    field: input.field ?? null,
    oldValue: input.oldValue ?? null,
    newValue: input.newValue ?? null,
    reasonCode: input.reasonCode ?? null,
    reasonText: input.reasonText ?? null,
    source: input.source ?? null,
    evidence: input.evidence ?? null,
    payload,
  };
  return { event, content: contentHash(event) };
}

/** Where an event about one action request points: the request, its environment and record. */
export function requestSubject(
  requestId: string,
  ar: { environmentId: string; object: string; recordId: string | null },
) {
  return {
    subjectId: requestId,
    environmentId: ar.environmentId,
    object: ar.object,
    recordId: ar.recordId,
  };
}

/**
 * `select * from tollgate_append_audit(…)` for this event: the append as one SQL fragment, so a
 * caller can make its state change and the audit row a single statement. Its row is
 * `{ id, seq, hash }`; seq and hash are null — the event is unsealed until the sealer links it
 * into the lane's chain (lib/audit/seal.ts).
 */
export function auditAppendSql<A extends TAuditAction>(input: TAuditInput<A>): Prisma.Sql {
  const { event: e, content } = prepare(input);
  return Prisma.sql`select o_id as id, o_seq as seq, o_hash as hash from tollgate_append_audit(
    ${e.lane}, ${e.createdAt.toISOString()}::timestamptz at time zone 'UTC', ${e.actorType}, ${e.actorAgentId}, ${e.actorUserId},
    ${e.action}, ${e.subjectType}, ${e.subjectId}, ${e.environmentId}, ${e.object}, ${e.recordId}, ${e.field},
    ${jsonb(input.oldValue)}::jsonb, ${jsonb(input.newValue)}::jsonb, ${e.reasonCode}, ${e.reasonText},
    ${jsonb(input.source)}::jsonb, ${jsonb(input.evidence)}::jsonb, ${JSON.stringify(e.payload)}::jsonb, ${content})`;
}

/**
 * Many events as the rows `tollgate_append_audit_many` inserts: the columns `auditAppendSql`
 * passes one by one (a JSON null is SQL NULL there too), with each event's content hash.
 */
export function auditAppendRows(inputs: TAuditInput<TAuditAction>[]): string {
  return JSON.stringify(inputs.map(auditAppendRow));
}

/** One event as a row of `tollgate_append_audit_many`'s array (see auditAppendRows). */
export function auditAppendRow(input: TAuditInput<TAuditAction>) {
  const { event: e, content } = prepare(input);
  return {
    ...e,
    createdAt: e.createdAt.toISOString(),
    oldValue: e.oldValue ?? null,
    newValue: e.newValue ?? null,
    source: e.source ?? null,
    evidence: e.evidence ?? null,
    contentHash: content,
  };
}

/** What an append returns: the event's id; seq and hash stay null until it is sealed. */
export type TAppended = { id: bigint; seq: number | null; hash: string | null };

/**
 * Append one event inside the caller's transaction (the state change and its audit row commit
 * together). A plain INSERT: no lane lock, so it may come anywhere in the transaction. The
 * event is unsealed until the sealer links it into its lane's chain after the commit.
 */
export async function writeAuditEvent<A extends TAuditAction>(
  tx: Tx,
  input: TAuditInput<A>,
): Promise<TAppended> {
  const [row] = await tx.$queryRaw<TAppended[]>(auditAppendSql(input));
  return row;
}
