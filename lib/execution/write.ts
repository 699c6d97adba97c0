import "server-only";
import { connectorFor } from "@/lib/environments";
import {
  ConnectorError,
  type SalesforceConnector,
  type TConnectorCall,
  type TConnectorErrorClass,
} from "@/lib/connectors/salesforce";
import { gateWrite, KillSwitchEngaged } from "@/lib/guardrails/write-gate";
import { operationOf } from "./claim";
import type { TLoaded } from "./execution-result";
import type { Lease } from "./lease";
import { sameValue } from "./values";
import { fieldOwnershipRules } from "@/lib/agent-api/policy-context";
import {
  judgeWrite,
  writerOf,
  yieldWindowHours,
  type THumanEdit,
  type TOwnershipRule,
} from "./field-rules";
import { humanEditsOf } from "./human-edits";
import { db } from "@/lib/db";
import { deleteAllowedFor } from "@/lib/reverts/delete-rule";

export type TFieldRow = { field: string; expected: unknown; proposed: unknown };

/** Each changed field with the value the approver saw (expected) and the one to write. */
export const fieldRows = (ar: TLoaded): TFieldRow[] =>
  ar.fieldChanges.map((f) => ({
    field: f.field,
    expected: f.valueAtApproval ?? f.oldValue ?? null,
    proposed: f.newValue ?? null,
  }));

/** Fields another writer changed away from what the approver saw (and not to our value). */
export function changedByOthers(fields: TFieldRow[], current: Record<string, unknown>) {
  return fields.filter(
    (f) => !sameValue(current[f.field], f.expected) && !sameValue(current[f.field], f.proposed),
  );
}

export type TWriteOutcome =
  | {
      kind: "written";
      recordId: string;
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      /** the values were already there: nothing was written this time */
      alreadyApplied: boolean;
    }
  | {
      kind: "conflict";
      current: Record<string, unknown>;
      message: string;
      /** why, when not a plain change since approval (lib/execution/field-rules.ts) */
      code?: "YIELDS_TO_HUMAN_EDIT" | "STALE_APPROVAL";
    }
  /** field ownership: the system of record's newer value stands; the request fails */
  | { kind: "superseded"; current: Record<string, unknown>; message: string }
  /** a kill switch stopped it at the gate before the write: nothing was written */
  | { kind: "halted"; message: string }
  | {
      kind: "error";
      errorClass: TConnectorErrorClass | "internal" | "outcome_unknown";
      code: string;
      message: string;
    }
  /** the lease could not cover a write: nothing was written, the try gives the request back */
  | { kind: "lease_lost" };

/**
 * Step 2 of a try, outside any transaction: the Salesforce calls — read the record, compare
 * with the value the approver saw, write with If-Unmodified-Since (started only inside the
 * lease, with a deadline before it ends), read back. It holds no transaction: every call is in
 * `log` for the record step, and a thrown error becomes an outcome. (Its one query: a revert by
 * delete asks the policy rule again just before the DELETE.)
 */
export async function writeToSalesforce(
  ar: TLoaded,
  afterInterruption: boolean,
  lease: Lease,
  connector?: SalesforceConnector,
): Promise<{ outcome: TWriteOutcome; log: TConnectorCall[] }> {
  const log: TConnectorCall[] = [];
  const fields = fieldRows(ar);
  const values = Object.fromEntries(fields.map((f) => [f.field, f.proposed]));
  try {
    const sf = connector ?? (await connectorFor(ar.environment));
    const rules = await fieldOwnershipRules();
    return {
      outcome: await write(sf, ar, fields, values, log, afterInterruption, lease, rules),
      log,
    };
  } catch (e) {
    return { outcome: failureOf(e), log };
  }
}

/**
 * Field ownership's verdict (lib/execution/field-rules.ts) on writing `fields` over `current`
 * now, as the try's outcome, or null to go ahead.
 */
export function ownershipVerdict(
  ar: TLoaded,
  fields: TFieldRow[],
  current: Record<string, unknown>,
  rules: readonly TOwnershipRule[],
  edits: readonly THumanEdit[],
): TWriteOutcome | null {
  const j = judgeWrite({
    object: ar.object,
    writer: writerOf(ar),
    revert: !!ar.revertsId,
    fields,
    pending: fields.filter((f) => !sameValue(current[f.field], f.proposed)).map((f) => f.field),
    changed: changedByOthers(fields, current).map((f) => f.field),
    current,
    rules,
    decidedAt: ar.decidedAt ?? ar.createdAt,
    edits,
    now: new Date(),
  });
  if (j.kind === "proceed") return null;
  if (j.kind === "not_allowed") {
    return {
      kind: "error",
      errorClass: "permission",
      code: "FIELD_OWNED_ELSEWHERE",
      message: j.message,
    };
  }
  if (j.kind === "superseded") return { kind: "superseded", current, message: j.message };
  return {
    kind: "conflict",
    current,
    message: j.message,
    ...(j.code === "CHANGED_SINCE_APPROVAL" ? {} : { code: j.code }),
  };
}

/** Whether any field to write yields to people's edits: the hours to read history back, or 0. */
export const yieldHoursOf = (ar: TLoaded, fields: TFieldRow[], rules: readonly TOwnershipRule[]) =>
  yieldWindowHours(
    rules,
    ar.object,
    fields.map((f) => f.field),
  );

export function failureOf(e: unknown): TWriteOutcome {
  if (e instanceof KillSwitchEngaged) return { kind: "halted", message: e.message };
  if (e instanceof ConnectorError) {
    return { kind: "error", errorClass: e.errorClass, code: e.code, message: e.message };
  }
  const err = e as { code?: string; message?: string };
  if (err?.code === "connection_not_configured") {
    return { kind: "error", errorClass: "permission", code: err.code, message: err.message ?? "" };
  }
  console.error("[execution] unexpected error", e);
  return {
    kind: "error",
    errorClass: "internal",
    code: "INTERNAL",
    message: err?.message ?? String(e),
  };
}

export const pick = (rec: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, rec[n] ?? null]));

async function write(
  sf: SalesforceConnector,
  ar: TLoaded,
  fields: TFieldRow[],
  values: Record<string, unknown>,
  log: TConnectorCall[],
  afterInterruption: boolean,
  lease: Lease,
  rules: readonly TOwnershipRule[],
): Promise<TWriteOutcome> {
  const names = fields.map((f) => f.field);
  const op = operationOf(ar);
  if (op === "delete" && ar.revertsId && ar.recordId) {
    return deleteRecord(sf, ar, ar.recordId, log, lease);
  }
  if (op === "create") {
    if (afterInterruption) {
      // A create cannot be matched to its record by reading; never risk a duplicate.
      return {
        kind: "error",
        errorClass: "outcome_unknown",
        code: "INTERRUPTED_CREATE",
        message:
          "The worker stopped while this create was in flight. Check Salesforce for the record before retrying.",
      };
    }
    // a create has no earlier value nor history: only its writers and freshness are checked
    const blocked = ownershipVerdict(ar, fields, {}, rules, []);
    if (blocked) return blocked;
    const deadlineAt = await lease.writeDeadline(sf.callTimeoutMs);
    if (deadlineAt === null || !lease.holds(ar.id)) return { kind: "lease_lost" };
    const { id } = await gateWrite(ar, () => sf.create(ar.object, values, { log, deadlineAt }));
    const back = await sf.read(ar.object, id, names, { log });
    // the record's version as created, kept beside the values (`ActionRequest.after`): a revert by
    // delete compares Salesforce's own clock with it (lib/reverts/plan-revert.ts), never ours
    const version = Number.isNaN(back.lastModified.getTime())
      ? {}
      : { LastModifiedDate: back.lastModified.toISOString() };
    return {
      kind: "written",
      recordId: id,
      before: Object.fromEntries(names.map((n) => [n, null])),
      after: { ...pick(back.record, names), ...version },
      alreadyApplied: false,
    };
  }
  if (op !== "update" || !ar.recordId) {
    return {
      kind: "error",
      errorClass: "validation",
      code: "UNSUPPORTED_OPERATION",
      message: `Tollgate does not execute "${op}" actions yet (${ar.actionType?.key ?? ar.object}); do it in Salesforce and discard this request`,
    };
  }
  const recordId = ar.recordId;
  for (let round = 0; ; round++) {
    const { record, lastModified } = await sf.read(ar.object, recordId, names, { log });
    const current = pick(record, names);
    const pending = fields.filter((f) => !sameValue(current[f.field], f.proposed));
    if (pending.length === 0) {
      return { kind: "written", recordId, before: current, after: current, alreadyApplied: true };
    }
    // field ownership decides whether a change since approval stops the write, and whether a
    // person's recent edit, the writer or the approval's age does (lib/execution/field-rules.ts)
    const hours = yieldHoursOf(ar, pending, rules);
    const edits = hours
      ? ((
          await humanEditsOf(
            sf,
            ar.object,
            [recordId],
            pending.map((f) => f.field),
            new Date(Date.now() - hours * 3600_000),
            log,
          )
        ).get(recordId.slice(0, 15)) ?? [])
      : [];
    const blocked = ownershipVerdict(ar, fields, current, rules, edits);
    if (blocked) return blocked;
    const deadlineAt = await lease.writeDeadline(sf.callTimeoutMs);
    if (deadlineAt === null || !lease.holds(ar.id)) return { kind: "lease_lost" };
    try {
      await gateWrite(ar, () =>
        sf.update(
          ar.object,
          recordId,
          Object.fromEntries(pending.map((f) => [f.field, f.proposed])),
          { ifUnmodifiedSince: lastModified, log, deadlineAt },
        ),
      );
    } catch (e) {
      // 412: the record changed after our read. Read again; only our fields matter.
      if (e instanceof ConnectorError && e.errorClass === "conflict" && round === 0) continue;
      throw e;
    }
    const back = await sf.read(ar.object, recordId, names, { log });
    return {
      kind: "written",
      recordId,
      before: current,
      after: pick(back.record, names),
      alreadyApplied: false,
    };
  }
}

/**
 * A create's revert: the record deleted if it still shows the LastModifiedDate its plan read
 * (the revert's `before`), with If-Unmodified-Since, so an edit made since is never deleted
 * away — a conflict instead. A record already gone is done (a try after an interruption finds
 * its own delete there).
 */
async function deleteRecord(
  sf: SalesforceConnector,
  ar: TLoaded,
  recordId: string,
  log: TConnectorCall[],
  lease: Lease,
): Promise<TWriteOutcome> {
  const seen = (ar.before as Record<string, unknown> | null)?.LastModifiedDate;
  let lastModified: Date;
  try {
    ({ lastModified } = await sf.read(ar.object, recordId, ["LastModifiedDate"], { log }));
  } catch (e) {
    if (e instanceof ConnectorError && e.errorClass === "not_found") {
      return { kind: "written", recordId, before: {}, after: {}, alreadyApplied: true };
    }
    throw e;
  }
  const current = { LastModifiedDate: lastModified.toISOString() };
  if (typeof seen !== "string" || lastModified.getTime() !== new Date(seen).getTime()) {
    return {
      kind: "conflict",
      current,
      message: `Changed in Salesforce since the revert was planned (last modified ${current.LastModifiedDate}): not deleted`,
    };
  }
  const deadlineAt = await lease.writeDeadline(sf.callTimeoutMs);
  if (deadlineAt === null || !lease.holds(ar.id)) return { kind: "lease_lost" };
  // the matrix may have changed since the revert was asked for and approved: asked last, just
  // before the DELETE
  if (!(await deleteAllowedFor(db, ar))) {
    return {
      kind: "error",
      errorClass: "validation",
      code: "DELETE_NOT_ALLOWED",
      message: `The policy matrix no longer lets a revert delete the ${ar.object} a create made (${ar.actionType?.key ?? ar.object}): not deleted. Leave the record to a person`,
    };
  }
  await gateWrite(ar, () =>
    sf.delete(ar.object, recordId, { ifUnmodifiedSince: lastModified, log, deadlineAt }),
  );
  return { kind: "written", recordId, before: {}, after: {}, alreadyApplied: false };
}
