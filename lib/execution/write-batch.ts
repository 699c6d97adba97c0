import { connectorFor } from "@/lib/environments";
import {
  classifyError,
  ConnectorError,
  type SalesforceConnector,
  type TConnectorCall,
} from "@/lib/connectors/salesforce";
import { gateWrites } from "@/lib/guardrails/write-gate";
import type { TClaimedTry } from "./claim";
import type { Lease } from "./lease";
import { sameValue } from "./values";
import {
  failureOf,
  fieldRows,
  ownershipVerdict,
  pick,
  type TFieldRow,
  type TWriteOutcome,
  writeToSalesforce,
  yieldHoursOf,
} from "./write";
import { fieldOwnershipRules } from "@/lib/agent-api/policy-context";
import { humanEditsOf } from "./human-edits";
import type { THumanEdit } from "./field-rules";

type TPending = { t: TClaimedTry; fields: TFieldRow[]; current: Record<string, unknown> };

/**
 * Step 2 of a batch try (several updates of one object in one environment, claimed together),
 * outside any transaction, in three Salesforce calls whatever the batch's size:
 *
 * 1. read every record (`/composite/sobjects/{object}`, the fields of every request);
 * 2. per request, as one request's try decides: values already there are already applied;
 *    field ownership (`field-rules.ts`) decides on a field another writer changed since the
 *    approval, a person's recent edit (the history of every record yielding, read in one
 *    query), the writer and the approval's age; the rest are written —
 *    together in one `/composite/sobjects` PATCH with allOrNone=false, started only inside the
 *    lease and past the kill-switch gate, each record's result its own (a per-record error is
 *    classified as the same error on one record would be);
 * 3. read back the records written.
 *
 * sObject Collections take no If-Unmodified-Since (Salesforce's conditional headers are for
 * sObject Rows only), so the window a person's edit to the same field could be overwritten in
 * is the one between this read and this write — milliseconds; a single request's try keeps its
 * conditional write and TOLLGATE_EXECUTION_BATCH_SIZE=1 keeps every write conditional.
 * Every call is on `log`; each request records all of them with its own outcome.
 */
export async function writeBatchToSalesforce(
  tries: TClaimedTry[],
  lease: Lease,
  connector?: SalesforceConnector,
): Promise<Map<string, { outcome: TWriteOutcome; log: TConnectorCall[] }>> {
  const log: TConnectorCall[] = [];
  const outcomes = new Map<string, TWriteOutcome>();
  const settle = (t: TClaimedTry, o: TWriteOutcome) => outcomes.set(t.ar.id, o);
  const done = () => new Map([...outcomes].map(([id, outcome]) => [id, { outcome, log }]));
  const { object, environment } = tries[0].ar;
  try {
    const sf = connector ?? (await connectorFor(environment));
    const names = [...new Set(tries.flatMap((t) => t.ar.fieldChanges.map((f) => f.field)))];
    let read;
    try {
      read = await sf.retrieveBatch(
        object,
        tries.map((t) => t.ar.recordId!),
        names,
        { log },
      );
    } catch (e) {
      // one request's field the integration user cannot read (gone, misspelt, hidden) refuses
      // the whole read: each request then goes alone, reading only its own fields
      if (
        e instanceof ConnectorError &&
        (e.errorClass === "validation" || e.errorClass === "permission")
      ) {
        return oneByOne(tries, lease, sf, log);
      }
      throw e;
    }
    const rules = await fieldOwnershipRules();
    // one history read for the batch: the records with a field that yields to people's edits
    const hoursOf = (t: TClaimedTry) => yieldHoursOf(t.ar, fieldRows(t.ar), rules);
    const yielding = tries.filter((t, i) => read[i] && hoursOf(t) > 0);
    const hours = Math.max(0, ...yielding.map(hoursOf));
    let edits = new Map<string, THumanEdit[]>();
    try {
      if (yielding.length) {
        edits = await humanEditsOf(
          sf,
          object,
          yielding.map((t) => t.ar.recordId!),
          [...new Set(yielding.flatMap((t) => t.ar.fieldChanges.map((f) => f.field)))],
          new Date(Date.now() - hours * 3600_000),
          log,
        );
      }
    } catch (e) {
      // without the history a yield cannot be honoured: those requests fail as the read did
      for (const t of yielding) settle(t, failureOf(e));
    }
    const pending: TPending[] = [];
    for (const [i, t] of tries.entries()) {
      const got = read[i];
      if (outcomes.has(t.ar.id)) continue;
      if (!got) {
        settle(t, {
          kind: "error",
          errorClass: "not_found",
          code: "NOT_FOUND",
          message: `${object} ${t.ar.recordId} is not in Salesforce (deleted, or never there)`,
        });
        continue;
      }
      const fields = fieldRows(t.ar);
      const current = pick(
        got.record,
        fields.map((f) => f.field),
      );
      if (fields.every((f) => sameValue(current[f.field], f.proposed))) {
        settle(t, {
          kind: "written",
          recordId: t.ar.recordId!,
          before: current,
          after: current,
          alreadyApplied: true,
        });
        continue;
      }
      const mine = edits.get(t.ar.recordId!.slice(0, 15)) ?? [];
      const verdict = ownershipVerdict(t.ar, fields, current, rules, mine);
      if (verdict) settle(t, verdict);
      else pending.push({ t, fields, current });
    }
    if (!pending.length) return done();

    const deadlineAt = await lease.writeDeadline(sf.callTimeoutMs);
    const writable = pending.filter((p) => deadlineAt !== null && lease.holds(p.t.ar.id));
    for (const p of pending) if (!writable.includes(p)) settle(p.t, { kind: "lease_lost" });
    if (!writable.length) return done();

    let sent: TPending[] = [];
    const works = writable.map((p) => ({
      environmentId: p.t.ar.environmentId,
      agentId: p.t.ar.agentId,
      workflowVersion: p.t.ar.workflowVersion,
      // a person's revert is outside its agent's and workflow's switches (switchTarget)
      requestedById: p.t.ar.requestedById,
      p,
    }));
    const gated = await gateWrites(works, (allowed) => {
      sent = allowed.map((a) => a.p);
      return sf.updateBatch(
        object,
        sent.map(({ t, fields, current }) => ({
          id: t.ar.recordId!,
          ...Object.fromEntries(
            fields
              .filter((f) => !sameValue(current[f.field], f.proposed))
              .map((f) => [f.field, f.proposed]),
          ),
        })),
        { allOrNone: false, log, deadlineAt: deadlineAt! },
      );
    });
    // stopped at the gate: nothing of theirs was sent, whatever became of the call
    for (const [w, stop] of gated.stopped) settle(w.p.t, { kind: "halted", message: stop.message });
    if (gated.error !== undefined) {
      // the call as a whole failed (timeout, unavailable…): every record in it, as one would
      for (const p of sent) settle(p.t, failureOf(gated.error));
      return done();
    }
    const results = gated.result ?? [];

    const written: TPending[] = [];
    for (const [i, p] of sent.entries()) {
      const r = results[i];
      if (r?.success) {
        written.push(p);
        continue;
      }
      const [first] = r?.errors ?? [];
      const err = classifyError({
        errorCode: first?.statusCode ?? "UNKNOWN",
        message: first?.message ?? "Salesforce gave no result for this record",
        fields: first?.fields ?? [],
      });
      settle(p.t, {
        kind: "error",
        errorClass: err.errorClass,
        code: err.code,
        message: err.message,
      });
    }
    if (!written.length) return done();

    try {
      const back = await sf.retrieveBatch(
        object,
        written.map((p) => p.t.ar.recordId!),
        names,
        { log },
      );
      for (const [i, p] of written.entries()) {
        const got = back[i];
        if (!got) {
          // as one record's read back would: its values after the write are unknown
          settle(p.t, {
            kind: "error",
            errorClass: "not_found",
            code: "NOT_FOUND",
            message: `${object} ${p.t.ar.recordId} was written, then deleted before it could be read back`,
          });
          continue;
        }
        settle(p.t, {
          kind: "written",
          recordId: p.t.ar.recordId!,
          before: p.current,
          after: pick(
            got.record,
            p.fields.map((f) => f.field),
          ),
          alreadyApplied: false,
        });
      }
    } catch (e) {
      // written but not read back: as after one record's write, the next try reads first
      for (const p of written) settle(p.t, failureOf(e));
    }
    return done();
  } catch (e) {
    for (const t of tries) if (!outcomes.has(t.ar.id)) settle(t, failureOf(e));
    return done();
  }
}

/** Each try through the one-request path (its own read, conditional write), after the batch's `log`. */
async function oneByOne(
  tries: TClaimedTry[],
  lease: Lease,
  sf: SalesforceConnector,
  log: TConnectorCall[],
) {
  const out = new Map<string, { outcome: TWriteOutcome; log: TConnectorCall[] }>();
  for (const t of tries) {
    const one = await writeToSalesforce(t.ar, t.interrupted, lease, sf);
    out.set(t.ar.id, { outcome: one.outcome, log: [...log, ...one.log] });
  }
  return out;
}
