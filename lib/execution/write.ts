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

export function conflictMessage(changed: TFieldRow[], current: Record<string, unknown>) {
  return `Changed in Salesforce since it was approved: ${changed
    .map((f) => `${f.field} is now ${JSON.stringify(current[f.field])}`)
    .join(", ")}`;
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
  | { kind: "conflict"; current: Record<string, unknown>; message: string }
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
 * lease, with a deadline before it ends), read back. It touches no database: every call is in
 * `log` for the record step, and a thrown error becomes an outcome.
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
    return { outcome: await write(sf, ar, fields, values, log, afterInterruption, lease), log };
  } catch (e) {
    return { outcome: failureOf(e), log };
  }
}

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
    const deadlineAt = await lease.writeDeadline(sf.callTimeoutMs);
    if (deadlineAt === null || !lease.holds(ar.id)) return { kind: "lease_lost" };
    const { id } = await gateWrite(ar, () => sf.create(ar.object, values, { log, deadlineAt }));
    const back = await sf.read(ar.object, id, names, { log });
    return {
      kind: "written",
      recordId: id,
      before: Object.fromEntries(names.map((n) => [n, null])),
      after: pick(back.record, names),
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
    const changed = changedByOthers(fields, current);
    if (changed.length) {
      return { kind: "conflict", current, message: conflictMessage(changed, current) };
    }
    const pending = fields.filter((f) => !sameValue(current[f.field], f.proposed));
    if (pending.length === 0) {
      return { kind: "written", recordId, before: current, after: current, alreadyApplied: true };
    }
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
  await gateWrite(ar, () =>
    sf.delete(ar.object, recordId, { ifUnmodifiedSince: lastModified, log, deadlineAt }),
  );
  return { kind: "written", recordId, before: {}, after: {}, alreadyApplied: false };
}
