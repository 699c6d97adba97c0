import "server-only";
import { db, type Prisma, type Tx } from "@/lib/db";
import { AppError, notFound } from "@/lib/core/errors";
import { connectorFor } from "@/lib/environments";
import { ConnectorError, type SalesforceConnector } from "@/lib/connectors/salesforce";
import { sameValue } from "@/lib/execution/values";
import { revertHold, yieldWindowHours } from "@/lib/execution/field-rules";
import { humanEditsOf } from "@/lib/execution/human-edits";
import { fieldOwnershipRules } from "@/lib/agent-api/policy-context";
import { deleteAllowedFor } from "./delete-rule";

export { deleteAllowedFor };

/** Statuses in which a revert request is still open: a second revert of the same write waits. */
export const OPEN_REVERT_STATUSES = [
  "pending_approval",
  "approved",
  "executing",
  "retrying",
  "halted",
  "dead_lettered",
] as const;

/**
 * One field of a revert, as Salesforce holds it now:
 * - `restorable`: still what Tollgate wrote; the revert writes `before` back;
 * - `conflict`: someone changed it since Tollgate wrote it (`laterRequestId`: a later Tollgate
 *   write did); never overwritten unless a person chooses to, with a reason (then the value they
 *   saw is what the write checks against). Also a field its ownership keeps a revert from
 *   writing (`ownership` says why: people may not write it, or a person edited it within the
 *   hours Tollgate yields — lib/execution/field-rules.ts): skipped only, never overwritten;
 * - `already_restored`: it is back at `before` already; nothing to write;
 * - `already_there`: Salesforce held the written value before Tollgate's write (someone else
 *   made that change): not Tollgate's to undo.
 */
export type TRevertField = {
  field: string;
  before: unknown;
  written: unknown;
  current: unknown;
  state: "restorable" | "conflict" | "already_restored" | "already_there";
  laterRequestId?: string | null;
  /** field ownership keeps the revert from writing it: why (it can only be skipped) */
  ownership?: string | null;
};

/**
 * The revert of a create, where its rule allows (PolicyRule.rollbackByDelete): the record it
 * made is deleted —
 * - `deletable`: nobody changed it since Tollgate created it;
 * - `conflict`: someone changed it since (LastModifiedDate after the create); deleted only if a
 *   person chooses to, with a reason;
 * - `already_gone`: deleted already; nothing to do.
 */
export type TRevertRecord = {
  state: "deletable" | "conflict" | "already_gone";
  /** Salesforce's LastModifiedDate now (ISO), null when the record is gone */
  lastModified: string | null;
};

export type TRevertPlan = {
  requestId: string;
  object: string;
  recordId: string;
  /** update: fields go back; delete: the record a create made is deleted */
  kind: "update" | "delete";
  fields: TRevertField[];
  /** for a delete */
  record: TRevertRecord | null;
};

/** What a revert's `seen` and `resolutions` call the record of a delete. */
export const RECORD_KEY = "LastModifiedDate";

export const ORIGINAL_INCLUDE = {
  fieldChanges: { orderBy: { field: "asc" as const } },
  actionType: { select: { id: true, key: true, operation: true } },
  environment: true,
} satisfies Prisma.ActionRequestInclude;

export type TOriginal = Prisma.ActionRequestGetPayload<{ include: typeof ORIGINAL_INCLUDE }>;

/** Why this request cannot be reverted, in words for the person asking, or null. */
export function notRevertibleReason(
  ar: {
    status: string;
    recordId: string | null;
    resultRecordId: string | null;
    actionType: { operation: string } | null;
    fieldChanges: { revertedAt: Date | null }[];
    revertsId: string | null;
  },
  /** the active rule of its action type lets a create be reverted by deleting its record */
  deleteAllowed = false,
): string | null {
  if (ar.revertsId) return "It is a revert: to make the change again, the agent proposes it again";
  const op = ar.actionType?.operation ?? (ar.recordId ? "update" : "create");
  if (ar.status === "reverted") return "It was reverted already";
  if (ar.status !== "succeeded")
    return `Only a succeeded write can be reverted; this request is ${ar.status.replaceAll("_", " ")}`;
  if (op === "create" && (!deleteAllowed || !ar.resultRecordId))
    return `It created ${ar.resultRecordId ?? "a record"}: undoing a create means deleting the record, which its rule does not let Tollgate do. Delete it in Salesforce if it must go`;
  if (op === "create") return null;
  if (op !== "update" || !ar.recordId) return `Tollgate cannot revert a ${op}`;
  if (ar.fieldChanges.every((f) => f.revertedAt))
    return "Every field it changed was reverted already";
  return null;
}

/** The values a FieldChange keeps of one field (the model's, or a raw query's row). */
type TWrittenField = {
  valueBeforeWrite: unknown;
  valueAtApproval: unknown;
  oldValue: unknown;
  appliedValue: unknown;
  newValue: unknown;
};

/**
 * The value Salesforce held just before Tollgate's write: read at the write (valueBeforeWrite);
 * for writes recorded before that was kept, what the approver saw, else the proposal's.
 */
export const beforeOf = (f: TWrittenField) =>
  f.valueBeforeWrite ?? f.valueAtApproval ?? f.oldValue ?? null;
/** What Tollgate wrote: read back after the write, else what it asked for. */
export const writtenOf = (f: TWrittenField) => f.appliedValue ?? f.newValue ?? null;
/** The field already held the written value when Tollgate came to write it. */
export const alreadyThere = (f: TWrittenField) =>
  f.valueBeforeWrite !== null &&
  f.valueBeforeWrite !== undefined &&
  sameValue(f.valueBeforeWrite, writtenOf(f));

/** Compare each field Tollgate wrote with Salesforce now (pure). */
export function classifyFields(
  changes: {
    field: string;
    before: unknown;
    written: unknown;
    alreadyThere?: boolean;
    laterRequestId?: string | null;
    ownership?: string | null;
  }[],
  current: Record<string, unknown>,
): TRevertField[] {
  return changes.map(({ alreadyThere: there, laterRequestId, ownership, ...c }) => {
    const now = current[c.field] ?? null;
    const state = there
      ? "already_there"
      : laterRequestId
        ? "conflict"
        : sameValue(now, c.before)
          ? "already_restored"
          : sameValue(now, c.written) && !ownership
            ? "restorable"
            : "conflict";
    const held = state === "conflict" && ownership ? ownership : null;
    return { ...c, current: now, state, laterRequestId: laterRequestId ?? null, ownership: held };
  });
}

/**
 * The later Tollgate write of each of these fields on the record, if any: reverting the earlier
 * one would silently undo it, so such a field is a conflict.
 */
async function laterWrites(ar: TOriginal, fields: string[]) {
  if (!ar.completedAt || !fields.length) return new Map<string, string>();
  const rows = await db.$queryRaw<{ field: string; id: string }[]>`
    select distinct on (f.field) f.field, r.id
    from "ActionRequest" r join "FieldChange" f on f."actionRequestId" = r.id
    where left(r."recordId", 15) = ${ar.recordId!.slice(0, 15)}
      and r."environmentId" = ${ar.environmentId} and r.object = ${ar.object}
      and r.id <> ${ar.id} and coalesce(r."revertsId", '') <> ${ar.id}
      and r.status in ('succeeded', 'reverted')
      and r."completedAt" > ${ar.completedAt.toISOString()}::timestamptz at time zone 'UTC'
      and f.field = any(${fields})
    order by f.field, r."completedAt" desc`;
  return new Map(rows.map((r) => [r.field, r.id]));
}

/** The original request, checked revertible; throws a 404 or a `not_revertible` 409. */
export async function loadRevertible(client: Tx | typeof db, requestId: string) {
  const ar = await client.actionRequest.findUnique({
    where: { id: requestId },
    include: ORIGINAL_INCLUDE,
  });
  if (!ar) throw notFound("Action request");
  const why = notRevertibleReason(ar, await deleteAllowedFor(client, ar));
  if (why) throw new AppError("not_revertible", why);
  return ar;
}

/**
 * The open revert of this request, if any: the revert a still-planned Reversal of it names — a
 * single revert, or a backout's revert of its record (which names only the record's latest
 * selected write in `revertsId`, so that column alone would miss it).
 */
export async function openRevertOf(client: Tx | typeof db, requestId: string) {
  const planned = await client.reversal.findMany({
    where: { actionRequestId: requestId, status: "planned" },
    select: { detail: true },
  });
  const ids = planned
    .map((p) => (p.detail as { revertRequestId?: string }).revertRequestId)
    .filter((id): id is string => !!id);
  if (!ids.length) return null;
  return client.actionRequest.findFirst({
    where: { id: { in: ids }, status: { in: [...OPEN_REVERT_STATUSES] } },
    select: { id: true, status: true },
  });
}

/**
 * Why a new revert of this request must wait, in words, or null: a revert of it still open (a
 * single one, or a backout's), or a running or paused backout whose plan restores it.
 */
export async function openRevertBlocker(client: Tx | typeof db, requestId: string) {
  const open = await openRevertOf(client, requestId);
  if (open) {
    return `A revert of this request is already ${open.status.replaceAll("_", " ")}: ${open.id}`;
  }
  const [backout] = await client.$queryRaw<{ id: string; status: string }[]>`
    select b.id, b.status from "BackoutItem" i join "Backout" b on b.id = i."backoutId"
    where i."requestIds" @> array[${requestId}] and i.state = 'restorable'
      and b.status in ('running', 'paused')
    limit 1`;
  if (backout) {
    return `Backout ${backout.id} (${backout.status}) is undoing this request; it reverts it, or pause and cancel it first`;
  }
  return null;
}

/**
 * What reverting this request would do now: each field it changed and not yet reverted, with
 * the value before Tollgate's write, what Tollgate wrote and what Salesforce holds now (one
 * read). Nothing is written. Throws when the request cannot be reverted.
 */
export async function planRevert(
  requestId: string,
  opts: { connector?: SalesforceConnector } = {},
): Promise<TRevertPlan> {
  const ar = await loadRevertible(db, requestId);
  return planFor(ar, opts.connector);
}

export async function planFor(
  ar: TOriginal,
  connector?: SalesforceConnector,
): Promise<TRevertPlan> {
  if (ar.actionType?.operation === "create") return planDelete(ar, connector);
  const open = ar.fieldChanges.filter((f) => !f.revertedAt);
  const names = open.map((f) => f.field);
  const later = await laterWrites(ar, names);
  const sf = connector ?? (await connectorFor(ar.environment));
  const { record } = await sf.read(ar.object, ar.recordId!, names);
  const rules = await fieldOwnershipRules();
  const hours = yieldWindowHours(rules, ar.object, names);
  const since = new Date(Date.now() - hours * 3600_000);
  const edits = hours
    ? ((await humanEditsOf(sf, ar.object, [ar.recordId!], names, since, [])).get(
        ar.recordId!.slice(0, 15),
      ) ?? [])
    : [];
  const now = new Date();
  return {
    requestId: ar.id,
    object: ar.object,
    recordId: ar.recordId!,
    kind: "update",
    record: null,
    fields: classifyFields(
      open.map((f) => ({
        field: f.field,
        before: beforeOf(f),
        written: writtenOf(f),
        alreadyThere: alreadyThere(f),
        laterRequestId: later.get(f.field) ?? null,
        ownership: revertHold(rules, ar.object, f.field, edits, now),
      })),
      record,
    ),
  };
}

/**
 * The revert of a create: the record it made, read now. Changed since Tollgate created it when
 * its LastModifiedDate is after the request completed (Tollgate's own create and read-back came
 * before that).
 */
async function planDelete(ar: TOriginal, connector?: SalesforceConnector): Promise<TRevertPlan> {
  const sf = connector ?? (await connectorFor(ar.environment));
  const recordId = ar.resultRecordId!;
  let record: TRevertRecord;
  try {
    const { lastModified } = await sf.read(ar.object, recordId, [RECORD_KEY]);
    // changed since: its version differs from the one read back after the create; a create
    // recorded before that was kept is compared with when Tollgate recorded it
    const created = (ar.after as Record<string, unknown> | null)?.[RECORD_KEY];
    const changed =
      typeof created === "string"
        ? lastModified.getTime() !== new Date(created).getTime()
        : ar.completedAt !== null && lastModified > ar.completedAt;
    record = {
      state: changed ? "conflict" : "deletable",
      lastModified: lastModified.toISOString(),
    };
  } catch (e) {
    if (!(e instanceof ConnectorError && e.errorClass === "not_found")) throw e;
    record = { state: "already_gone", lastModified: null };
  }
  return { requestId: ar.id, object: ar.object, recordId, kind: "delete", fields: [], record };
}
