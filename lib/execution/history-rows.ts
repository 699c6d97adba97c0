import "server-only";
import type { Prisma } from "@/lib/db";
import { contextOf, type AUDIT_ENTRY_SELECT } from "@/lib/audit";

/**
 * A request's history as the console shows it, shared by the dead-letter panel and the request
 * page: each execution try with its connector calls, each audit event with its actor's name.
 */

/** One connector call as an ExecutionAttempt stores it; older rows may lack some keys. */
export type TAttemptCall = {
  op: string;
  method: string | null;
  path: string | null;
  ms: number | null;
  ok: boolean | null;
  status: number | null;
  errorClass: string | null;
  code: string | null;
  at: string | null;
};

export function toCalls(json: Prisma.JsonValue): TAttemptCall[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((c) => {
    if (!c || typeof c !== "object" || Array.isArray(c)) return [];
    const str = (k: string) => (typeof c[k] === "string" ? (c[k] as string) : null);
    const num = (k: string) => (typeof c[k] === "number" ? (c[k] as number) : null);
    return [
      {
        op: str("op") ?? "call",
        method: str("method"),
        path: str("path") ?? str("object"),
        ms: num("ms"),
        ok: typeof c.ok === "boolean" ? c.ok : null,
        status: num("status"),
        errorClass: str("errorClass"),
        code: str("code"),
        at: str("at"),
      },
    ];
  });
}

type TAttempt = Prisma.ExecutionAttemptGetPayload<object>;

/** One field's values along the way: proposed over what, seen at approval, written. */
export function toFieldRow(f: Prisma.FieldChangeGetPayload<object>) {
  return {
    field: f.field,
    oldValue: f.oldValue,
    newValue: f.newValue,
    valueAtApproval: f.valueAtApproval,
    appliedValue: f.appliedValue,
  };
}

/** One execution try with its calls. */
export function toAttemptRow(a: TAttempt) {
  return {
    attemptNumber: a.attemptNumber,
    workerId: a.workerId,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    outcome: a.outcome,
    errorClass: a.errorClass,
    errorCode: a.errorCode,
    errorMessage: a.errorMessage,
    calls: toCalls(a.connectorCalls),
  };
}

type TEntry = Prisma.AuditEventGetPayload<{ select: typeof AUDIT_ENTRY_SELECT }> & {
  id: bigint;
  seq: number | null;
};

/** One audit event: what, who (by name), when, why; a connector call's line; where it came from. */
export function toTimelineEvent(e: TEntry) {
  return {
    // a BigInt does not survive JSON
    id: e.id.toString(),
    seq: e.seq,
    createdAt: e.createdAt,
    action: e.action,
    actor:
      e.actorType === "user"
        ? (e.actorUser?.name ?? "a person")
        : e.actorType === "agent"
          ? (e.actorAgent?.slug ?? "an agent")
          : e.actorType,
    reasonText: e.reasonText,
    // a connector call's method, path and answer, already listed under its try
    call: e.action === "connector.call" ? (toCalls([e.payload])[0] ?? null) : null,
    payload: e.payload,
    // where a person's action came from (console actions only)
    context: contextOf(e.payload),
  };
}
