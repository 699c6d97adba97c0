import type { Tx } from "@/lib/db";
import { Prisma } from "@/lib/db";
import { GENESIS_HASH, hashEvent } from "./hash-chain";

export type TAuditLane = "config" | "data" | "execution";

export type TAuditInput = {
  lane: TAuditLane;
  actor: { type: "agent"; agentId: string } | { type: "user"; userId: string } | { type: "system" };
  action: string;
  subjectType: string;
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
  payload?: Record<string, unknown>;
  at?: Date;
};

const json = (v: unknown) =>
  v === undefined || v === null ? Prisma.DbNull : (v as Prisma.InputJsonValue);

/**
 * Append one event to its lane's hash chain, inside the caller's transaction (the state
 * change and its audit row commit together). The lane head's row lock orders appends.
 */
export async function writeAuditEvent(tx: Tx, input: TAuditInput) {
  await tx.$executeRaw`insert into "AuditLaneHead" (lane, seq, hash, "updatedAt")
    values (${input.lane}::"AuditLane", 0, ${GENESIS_HASH}, now()) on conflict do nothing`;
  const [head] = await tx.$queryRaw<{ seq: number; hash: string }[]>`
    select seq, hash from "AuditLaneHead" where lane = ${input.lane}::"AuditLane" for update`;

  const createdAt = new Date(Math.floor((input.at ?? new Date()).getTime()));
  const event = {
    lane: input.lane,
    seq: head.seq + 1,
    createdAt,
    actorType: input.actor.type,
    actorAgentId: input.actor.type === "agent" ? input.actor.agentId : null,
    actorUserId: input.actor.type === "user" ? input.actor.userId : null,
    action: input.action,
    subjectType: input.subjectType,
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
    payload: input.payload ?? {},
    prevHash: head.hash,
  };
  const hash = hashEvent(event);
  const row = await tx.auditEvent.create({
    data: {
      ...event,
      lane: input.lane,
      oldValue: json(event.oldValue),
      newValue: json(event.newValue),
      source: json(event.source),
      evidence: json(event.evidence),
      payload: event.payload as Prisma.InputJsonValue,
      hash,
    },
    select: { id: true, seq: true, hash: true },
  });
  await tx.auditLaneHead.update({ where: { lane: input.lane }, data: { seq: event.seq, hash } });
  return row;
}
