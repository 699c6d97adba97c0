import "server-only";
import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { can, type TCurrentUser } from "@/lib/auth";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { connectorFor } from "@/lib/environments";
import type { SalesforceConnector } from "@/lib/connectors/salesforce";
import {
  alreadyThere,
  beforeOf,
  classifyFields,
  OPEN_REVERT_STATUSES,
  writtenOf,
} from "@/lib/reverts/plan-revert";
import { revertHold } from "@/lib/execution/field-rules";
import { fieldOwnershipRules } from "@/lib/agent-api/policy-context";

/** Field changes one backout may hold: a larger selection is refused (narrow the window). */
export const MAX_BACKOUT_FIELDS = 50_000;
/** Records read per Salesforce call (the composite retrieve's limit) and calls in flight. */
const READ_CHUNK = 200;
const READS_AT_ONCE = 4;

/** The longest window a backout selects from. */
const MAX_WINDOW_DAYS = 366;

/** An ISO 8601 date or date-time (a string, never a number or null), between 2000 and 2100. */
const instant = (what: string) =>
  z.preprocess(
    // a Date passes as its ISO string (in-process callers; the route's body parsed once already)
    (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : v),
    isoInstant(what),
  );
const isoInstant = (what: string) =>
  z
    .string({ error: `${what} must be an ISO date, e.g. 2026-12-01T09:00:00Z` })
    .max(40)
    .transform((v, ctx) => {
      const d = new Date(v);
      if (
        !/^\d{4}-\d{2}-\d{2}/.test(v) ||
        Number.isNaN(d.getTime()) ||
        d.getUTCFullYear() < 2000 ||
        d.getUTCFullYear() > 2100
      ) {
        ctx.addIssue({ code: "custom", message: `${what} is not a date between 2000 and 2100` });
        return z.NEVER;
      }
      return d;
    });

export const ZBackoutInput = z
  .object({
    environmentId: z.string().min(1, "Choose an environment").max(64),
    agentId: z.string().min(1).max(64).optional(),
    workflowVersionId: z.string().min(1).max(64).optional(),
    actionTypeId: z.string().min(1).max(64).optional(),
    from: instant("The window's start"),
    to: instant("The window's end"),
    reason: z.string().trim().min(3, "Say why these writes are backed out").max(2000),
  })
  .strict()
  .refine((v) => v.from < v.to, { message: "The window must start before it ends", path: ["to"] })
  .refine((v) => v.to.getTime() - v.from.getTime() <= MAX_WINDOW_DAYS * 86_400_000, {
    message: `The window may span at most ${MAX_WINDOW_DAYS} days`,
    path: ["from"],
  });
export type TBackoutInput = Omit<z.input<typeof ZBackoutInput>, "from" | "to"> & {
  from: string | Date;
  to: string | Date;
};

/** Every state a backout item can be in after the dry run (see BackoutItem in the schema). */
export type TItemState =
  | "restorable"
  | "conflict"
  | "already_restored"
  | "already_there"
  | "not_revertible"
  | "revert_open";

type TSelectedRow = {
  id: string;
  object: string;
  recordId: string | null;
  resultRecordId: string | null;
  completedAt: Date;
  op: string;
  openRevertId: string | null;
  otherBackoutId: string | null;
  field: string | null;
  valueBeforeWrite: unknown;
  valueAtApproval: unknown;
  oldValue: unknown;
  appliedValue: unknown;
  newValue: unknown;
};

export type TPlannedItem = {
  object: string;
  recordId: string;
  field: string | null;
  state: TItemState;
  before: unknown;
  written: unknown;
  current: unknown;
  requestIds: string[];
  laterRequestId: string | null;
  note: string | null;
};

const utc = (d: Date) => Prisma.sql`${d.toISOString()}::timestamptz at time zone 'UTC'`;

/** The succeeded writes of the selection, one row per field not reverted yet (oldest first). */
async function selectWrites(input: z.output<typeof ZBackoutInput>) {
  const open = [...OPEN_REVERT_STATUSES];
  return db.$queryRaw<TSelectedRow[]>`
    select r.id, r.object, r."recordId", r."resultRecordId", r."completedAt",
      coalesce(t.operation, case when r."recordId" is null then 'create' else 'update' end) as op,
      (select o.id from "Reversal" v join "ActionRequest" o on o.id = v.detail->>'revertRequestId'
        where v."actionRequestId" = r.id and v.status = 'planned'
          and o.status::text = any(${open}) limit 1) as "openRevertId",
      (select i."backoutId" from "BackoutItem" i join "Backout" b on b.id = i."backoutId"
        where i."requestIds" @> array[r.id] and b.status in ('running', 'paused')
          and i.state = 'restorable' limit 1) as "otherBackoutId",
      f.field, f."valueBeforeWrite", f."valueAtApproval", f."oldValue", f."appliedValue",
      f."newValue"
    from "ActionRequest" r
    left join "ActionType" t on t.id = r."actionTypeId"
    left join "FieldChange" f on f."actionRequestId" = r.id and f."revertedAt" is null
    where r."environmentId" = ${input.environmentId} and r.status = 'succeeded'
      and r."revertsId" is null
      and r."completedAt" >= ${utc(input.from)} and r."completedAt" < ${utc(input.to)}
      and (${input.agentId ?? null}::text is null or r."agentId" = ${input.agentId ?? null})
      and (${input.workflowVersionId ?? null}::text is null
        or r."workflowVersionId" = ${input.workflowVersionId ?? null})
      and (${input.actionTypeId ?? null}::text is null
        or r."actionTypeId" = ${input.actionTypeId ?? null})
    order by r."completedAt", r.id, f.field
    limit ${MAX_BACKOUT_FIELDS + 1}`;
}

/**
 * For each record and field, the latest Tollgate write outside the selection after the
 * selection's first write of it: undoing the selection would silently undo that one too.
 */
async function laterWrites(
  environmentId: string,
  selected: string[],
  keys: { object: string; recordId: string; field: string; since: Date }[],
) {
  if (!keys.length) return new Map<string, string>();
  const rows = await db.$queryRaw<{ k: string; id: string }[]>`
    select distinct on (v.k) v.k, r.id
    from unnest(${keys.map((k) => k.object)}::text[], ${keys.map((k) => k.recordId.slice(0, 15))}::text[],
      ${keys.map((k) => k.field)}::text[], ${keys.map((k) => k.since.toISOString())}::timestamptz[],
      ${keys.map((k) => keyOf(k.object, k.recordId, k.field))}::text[]) as v(object, rec, field, since, k)
    join "ActionRequest" r on left(r."recordId", 15) = v.rec and r.object = v.object
      and r."environmentId" = ${environmentId}
    join "FieldChange" f on f."actionRequestId" = r.id and f.field = v.field
    where r.status in ('succeeded', 'reverted')
      and r."completedAt" > v.since at time zone 'UTC'
      and not (r.id = any(${selected}::text[]))
    order by v.k, r."completedAt" desc`;
  return new Map(rows.map((r) => [r.k, r.id]));
}

const keyOf = (object: string, recordId: string, field: string) =>
  `${object}|${recordId.slice(0, 15)}|${field}`;

/** Salesforce's current values of these records (null: the record is gone). */
async function readCurrent(
  sf: SalesforceConnector,
  byObject: Map<string, { ids: Set<string>; fields: Set<string> }>,
) {
  const current = new Map<string, Record<string, unknown> | null>();
  const calls: (() => Promise<void>)[] = [];
  for (const [object, { ids, fields }] of byObject) {
    const list = [...ids];
    for (let i = 0; i < list.length; i += READ_CHUNK) {
      const chunk = list.slice(i, i + READ_CHUNK);
      calls.push(async () => {
        const got = await sf.retrieveBatch(object, chunk, [...fields]);
        chunk.forEach((id, j) => current.set(`${object}|${id}`, got[j]?.record ?? null));
      });
    }
  }
  for (let i = 0; i < calls.length; i += READS_AT_ONCE)
    await Promise.all(calls.slice(i, i + READS_AT_ONCE).map((c) => c()));
  return current;
}

/**
 * What backing out these writes would do, item by item (pure after the reads): the selected
 * writes of each record and field, oldest first, restore the value before the first if
 * Salesforce still holds what the last wrote.
 */
export function planItems(
  rows: TSelectedRow[],
  current: Map<string, Record<string, unknown> | null>,
  later: Map<string, string>,
  /** why field ownership keeps a revert from writing this field (people may not), or null */
  held: (object: string, field: string) => string | null = () => null,
): TPlannedItem[] {
  const items: TPlannedItem[] = [];
  const chains = new Map<string, TSelectedRow[]>();
  const listed = new Set<string>();
  for (const r of rows) {
    const listWhole = (note: string, recordId: string | null) => {
      if (listed.has(r.id)) return;
      listed.add(r.id);
      items.push({
        object: r.object,
        recordId: recordId ?? "",
        field: null,
        state: "not_revertible",
        before: null,
        written: null,
        current: null,
        requestIds: [r.id],
        laterRequestId: null,
        note,
      });
    };
    if (r.op === "create") {
      listWhole(
        `It created ${r.resultRecordId ?? "a record"}: a backout does not delete records. Revert it from its own page (by deleting the record, where its rule allows) or in Salesforce`,
        r.resultRecordId,
      );
      continue;
    }
    if (r.op !== "update" || !r.recordId) {
      listWhole(`Tollgate cannot revert a ${r.op}`, r.recordId);
      continue;
    }
    if (!r.field) continue;
    if (r.openRevertId || r.otherBackoutId) {
      items.push({
        object: r.object,
        recordId: r.recordId,
        field: r.field,
        state: "revert_open",
        before: beforeOf(r),
        written: writtenOf(r),
        current: null,
        requestIds: [r.id],
        laterRequestId: r.openRevertId,
        note: r.openRevertId
          ? `A revert of it is already open: ${r.openRevertId}`
          : `Another backout is undoing it: ${r.otherBackoutId}`,
      });
      continue;
    }
    const k = keyOf(r.object, r.recordId, r.field);
    chains.set(k, [...(chains.get(k) ?? []), r]);
  }
  for (const [k, chain] of chains) {
    const first = chain[0];
    const last = chain[chain.length - 1];
    const record = current.get(`${first.object}|${first.recordId}`);
    const base = {
      object: first.object,
      recordId: first.recordId!,
      field: first.field,
      before: beforeOf(first),
      written: writtenOf(last),
      requestIds: chain.map((c) => c.id),
    };
    if (record === null || record === undefined) {
      items.push({
        ...base,
        state: "conflict",
        current: null,
        laterRequestId: null,
        note: "The record is gone from Salesforce",
      });
      continue;
    }
    const [f] = classifyFields(
      [
        {
          field: first.field!,
          before: base.before,
          written: base.written,
          alreadyThere: chain.length === 1 && alreadyThere(first),
          laterRequestId: later.get(k) ?? null,
          ownership: held(first.object, first.field!),
        },
        // (one field at a time: the record's other fields are their own chains)
      ],
      record,
    );
    items.push({
      ...base,
      state: f.state,
      current: f.current,
      laterRequestId: f.laterRequestId ?? null,
      note:
        f.state === "conflict"
          ? (f.ownership ??
            (f.laterRequestId
              ? `Written again later by ${f.laterRequestId}`
              : "Changed in Salesforce since Tollgate wrote it"))
          : null,
    });
  }
  return items;
}

export type TBackoutFigures = {
  requests: number;
  records: number;
  restorable: number;
  conflicts: number;
  alreadyRestored: number;
  alreadyThere: number;
  notRevertible: number;
};

export function figuresOf(items: TPlannedItem[]): TBackoutFigures {
  const count = (s: TItemState) => items.filter((i) => i.state === s).length;
  return {
    requests: new Set(items.flatMap((i) => i.requestIds)).size,
    records: new Set(items.filter((i) => i.recordId).map((i) => `${i.object}|${i.recordId}`)).size,
    restorable: count("restorable"),
    conflicts: count("conflict"),
    alreadyRestored: count("already_restored"),
    alreadyThere: count("already_there"),
    notRevertible: count("not_revertible") + count("revert_open"),
  };
}

const json = (v: unknown) =>
  v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);

/**
 * The dry run of a bulk backout: the selection's succeeded writes read back from Salesforce and
 * planned field by field (restorable, conflict, already restored, already there; creates and
 * writes another revert is undoing listed for a person). The plan is kept — exactly what the
 * backout then does, unless Salesforce changes in between (a write that finds a field changed
 * since fails as a conflict, never overwrites). Nothing is written to Salesforce.
 */
export async function planBackout(
  user: TCurrentUser,
  input: TBackoutInput,
  context?: TRequestContext | null,
  opts: { connector?: SalesforceConnector } = {},
) {
  if (!can(user.roles, "requests:revert"))
    throw new AppError("forbidden", "Your role cannot back out writes");
  const parsed = ZBackoutInput.safeParse(input);
  if (!parsed.success) {
    throw new AppError("invalid_body", "The backout is not valid", {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const data = parsed.data;
  const environment = await db.environment.findUnique({ where: { id: data.environmentId } });
  if (!environment) throw notFound("Environment");
  const rows = await selectWrites(data);
  if (rows.length > MAX_BACKOUT_FIELDS) {
    throw new AppError(
      "invalid_body",
      `The selection holds more than ${MAX_BACKOUT_FIELDS.toLocaleString("en-US")} field changes; narrow the window or the agent`,
    );
  }
  if (!rows.length) {
    throw new AppError(
      "invalid_body",
      "No succeeded write matches: nothing to back out in this window and selection",
    );
  }
  const updates = rows.filter((r) => r.op === "update" && r.recordId && r.field);
  const firstOf = new Map<
    string,
    { object: string; recordId: string; field: string; since: Date }
  >();
  const byObject = new Map<string, { ids: Set<string>; fields: Set<string> }>();
  for (const r of updates) {
    const k = keyOf(r.object, r.recordId!, r.field!);
    if (!firstOf.has(k))
      firstOf.set(k, {
        object: r.object,
        recordId: r.recordId!,
        field: r.field!,
        since: r.completedAt,
      });
    const o = byObject.get(r.object) ?? { ids: new Set(), fields: new Set() };
    o.ids.add(r.recordId!);
    o.fields.add(r.field!);
    byObject.set(r.object, o);
  }
  const selected = [...new Set(rows.map((r) => r.id))];
  const later = await laterWrites(environment.id, selected, [...firstOf.values()]);
  const sf = opts.connector ?? (await connectorFor(environment));
  const current = await readCurrent(sf, byObject);
  // a backout's reverts write as "humans": a field people may not write is a conflict here, as
  // the write would refuse it (a yield is seen at the write only: no history read per record)
  const rules = await fieldOwnershipRules();
  const now = new Date();
  const items = planItems(rows, current, later, (o, f) => revertHold(rules, o, f, [], now));
  const figures = figuresOf(items);
  const id = prefixedId("bo");
  const plannedAt = new Date();
  await db.$transaction(
    async (tx) => {
      await tx.backout.create({
        data: {
          id,
          environmentId: environment.id,
          agentId: data.agentId ?? null,
          workflowVersionId: data.workflowVersionId ?? null,
          actionTypeId: data.actionTypeId ?? null,
          windowStart: data.from,
          windowEnd: data.to,
          reason: data.reason,
          createdById: user.id,
          plannedAt,
          ...figures,
        },
      });
      for (let i = 0; i < items.length; i += 5_000) {
        await tx.backoutItem.createMany({
          data: items.slice(i, i + 5_000).map((it) => ({
            backoutId: id,
            object: it.object,
            recordId: it.recordId,
            field: it.field,
            state: it.state,
            before: json(it.before),
            written: json(it.written),
            current: json(it.current),
            requestIds: it.requestIds,
            laterRequestId: it.laterRequestId,
            note: it.note,
          })),
        });
      }
      await writeAuditEvent(tx, {
        action: "backout.planned",
        actor: { type: "user", userId: user.id },
        subjectId: id,
        environmentId: environment.id,
        reasonText: data.reason,
        payload: {
          agentId: data.agentId ?? null,
          workflowVersionId: data.workflowVersionId ?? null,
          actionTypeId: data.actionTypeId ?? null,
          windowStart: data.from.toISOString(),
          windowEnd: data.to.toISOString(),
          ...figures,
        },
        context,
      });
    },
    { timeout: 60_000, maxWait: 15_000 },
  );
  return { id, status: "planned" as const, plannedAt, ...figures };
}
