/**
 * Field ownership at write time (pure): whether a write of some fields may go ahead, given each
 * field's FieldOwnership row, what Salesforce holds now, who edited the fields lately and how
 * old the judgment behind the write is. Both write paths (write.ts, write-batch.ts) and the
 * revert plan (lib/reverts/plan-revert.ts) ask it; nothing here reads or writes anything.
 *
 * The conflict rule says what a write does with a field that changed in Salesforce since the
 * approver saw it (neither the value they saw nor the value to write):
 * - `manual_review` (and a field with no ownership row): the write stops and the request goes
 *   back to approval with the new value, for a person to decide again;
 * - `last_write_wins`: the write goes ahead and replaces the newer value (the approval stands;
 *   the before-value recorded is the one replaced);
 * - `system_of_record_wins`: the newer value stands — unless the writer is the field's system
 *   of record — and the request fails as superseded; it does not go back to approval, because
 *   no approval can make a non-owner's value beat the owner's. The agent proposes again if the
 *   change is still wanted;
 * - `agent_yields_to_humans`: a change since approval goes back to approval (as manual_review),
 *   and besides, a person's edit of the field within the last `yieldHours` — anyone but
 *   Tollgate's integration user, whether or not the value still differs — stops the write the
 *   same way, naming the field, who and when. Strict: re-approving within the window does not
 *   override it; the window has to pass.
 *
 * A revert (requested and approved by people) writes as "humans" for allowedWriters, and never
 * overwrites a field changed since its plan whatever the rule (issue 12): every such change is
 * a conflict, and so is a yield; a revert fails on a conflict instead of going back to approval.
 *
 * Freshness: the approval (or the auto-decision) a write acts on may be at most the smallest
 * `freshnessSlaMinutes` among the request's fields old when the write starts; older, the request
 * goes back to approval with the values read now (a revert fails; its person plans again).
 *
 * allowedWriters is checked again at the write (the gateway checked it at the proposal; the row
 * may have changed since): a writer no longer allowed is a permission error, dead-lettered.
 */

export type TConflictRule =
  "system_of_record_wins" | "last_write_wins" | "manual_review" | "agent_yields_to_humans";

export type TOwnershipRule = {
  object: string;
  field: string;
  systemOfRecord: string;
  allowedWriters: readonly string[];
  conflictRule: TConflictRule;
  yieldHours: number | null;
  freshnessSlaMinutes: number | null;
};

/** One field-history row by someone other than Tollgate's integration user. */
export type THumanEdit = { field: string; at: Date; by: string };

export type TJudgedField = { field: string; expected: unknown; proposed: unknown };

export type TJudgement =
  | { kind: "proceed" }
  /** the writer may not write a field: nothing is written */
  | { kind: "not_allowed"; message: string }
  /** back to approval (a revert: fails) */
  | {
      kind: "conflict";
      code: "CHANGED_SINCE_APPROVAL" | "YIELDS_TO_HUMAN_EDIT" | "STALE_APPROVAL";
      message: string;
    }
  /** the system of record's newer value stands: the request fails */
  | { kind: "superseded"; message: string };

/** The writer a request writes as, for allowedWriters: the agent's slug; a revert: "humans". */
export const writerOf = (ar: { revertsId: string | null; agent: { slug: string } }) =>
  ar.revertsId ? "humans" : ar.agent.slug;

export function ruleOf(rules: readonly TOwnershipRule[], object: string, field: string) {
  return rules.find((r) => r.object === object && r.field === field) ?? null;
}

/** The longest yield window among these fields, in hours (0: none yields). */
export function yieldWindowHours(
  rules: readonly TOwnershipRule[],
  object: string,
  fields: readonly string[],
) {
  let hours = 0;
  for (const f of fields) {
    const r = ruleOf(rules, object, f);
    if (r?.conflictRule === "agent_yields_to_humans" && r.yieldHours)
      hours = Math.max(hours, r.yieldHours);
  }
  return hours;
}

const time = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The newest human edit of `field` within its yield window, if the rule yields. */
export function yieldingEdit(
  rule: TOwnershipRule | null,
  field: string,
  edits: readonly THumanEdit[],
  now: Date,
): THumanEdit | null {
  if (rule?.conflictRule !== "agent_yields_to_humans" || !rule.yieldHours) return null;
  const since = now.getTime() - rule.yieldHours * 3600_000;
  let newest: THumanEdit | null = null;
  for (const e of edits) {
    if (e.field !== field || e.at.getTime() < since) continue;
    if (!newest || e.at > newest.at) newest = e;
  }
  return newest;
}

export function yieldMessage(field: string, edit: THumanEdit, hours: number) {
  const until = new Date(edit.at.getTime() + hours * 3600_000);
  return `${field} was edited in Salesforce by ${edit.by} at ${time(edit.at)}: Tollgate yields to a person's edit for ${hours} h (until ${time(until)})`;
}

/**
 * Whether a write of `pending` (the fields whose value is not yet the one to write) may go
 * ahead. `changed`: the fields another writer changed since approval; `decidedAt`: when the
 * approval or auto-decision was made; `edits`: human edits of the request's fields, any age.
 */
export function judgeWrite(input: {
  object: string;
  writer: string;
  revert: boolean;
  fields: readonly TJudgedField[];
  pending: readonly string[];
  changed: readonly string[];
  current: Record<string, unknown>;
  rules: readonly TOwnershipRule[];
  decidedAt: Date;
  edits: readonly THumanEdit[];
  now: Date;
}): TJudgement {
  const { object, rules, now } = input;
  if (!input.pending.length) return { kind: "proceed" };
  const rule = (f: string) => ruleOf(rules, object, f);

  const barred = input.pending.filter((f) => {
    const r = rule(f);
    return r && !r.allowedWriters.includes(input.writer);
  });
  if (barred.length) {
    return {
      kind: "not_allowed",
      message: barred
        .map((f) => {
          const r = rule(f)!;
          return `${object}.${f} is owned by ${r.systemOfRecord}; its allowed writers are ${r.allowedWriters.join(", ") || "nobody"}, not ${input.writer}`;
        })
        .join("; "),
    };
  }

  const superseded: string[] = [];
  const changed: string[] = [];
  for (const f of input.changed) {
    const r = rule(f);
    const value = JSON.stringify(input.current[f] ?? null);
    if (
      input.revert ||
      !r ||
      r.conflictRule === "manual_review" ||
      r.conflictRule === "agent_yields_to_humans"
    )
      changed.push(`${f} is now ${value}`);
    else if (r.conflictRule === "system_of_record_wins" && r.systemOfRecord !== input.writer)
      superseded.push(`${f} is now ${value} (${r.systemOfRecord} is its system of record)`);
    // last_write_wins, or the writer is the system of record: the write replaces it
  }
  if (superseded.length) {
    return {
      kind: "superseded",
      message: `Changed since it was approved, and the system of record's value stands: ${superseded.join(", ")}`,
    };
  }

  const yields: string[] = [];
  for (const f of input.pending) {
    const r = rule(f);
    const edit = yieldingEdit(r, f, input.edits, now);
    if (edit) yields.push(yieldMessage(f, edit, r!.yieldHours!));
  }
  if (yields.length)
    return { kind: "conflict", code: "YIELDS_TO_HUMAN_EDIT", message: yields.join("; ") };

  if (changed.length) {
    return {
      kind: "conflict",
      code: "CHANGED_SINCE_APPROVAL",
      message: `Changed in Salesforce since it was approved: ${changed.join(", ")}`,
    };
  }

  const slas = input.fields
    .map((f) => rule(f.field)?.freshnessSlaMinutes)
    .filter((m): m is number => typeof m === "number" && m > 0);
  if (slas.length) {
    const sla = Math.min(...slas);
    const ageMin = (now.getTime() - input.decidedAt.getTime()) / 60_000;
    if (ageMin > sla) {
      return {
        kind: "conflict",
        code: "STALE_APPROVAL",
        message: `Decided ${Math.floor(ageMin)} min ago, at ${time(input.decidedAt)}: older than the ${sla} min its fields' freshness allows, so it is decided again on the values read now`,
      };
    }
  }
  return { kind: "proceed" };
}

/**
 * Why field ownership keeps a revert from writing this field now, or null: a revert writes as
 * "humans", so a field people may not write is not a revert's to restore; and a person's edit
 * within a yielding field's window is not overwritten, by a revert either.
 */
export function revertHold(
  rules: readonly TOwnershipRule[],
  object: string,
  field: string,
  edits: readonly THumanEdit[],
  now: Date,
): string | null {
  const r = ruleOf(rules, object, field);
  if (!r) return null;
  if (!r.allowedWriters.includes("humans")) {
    return `${object}.${field} is owned by ${r.systemOfRecord}; its allowed writers are ${r.allowedWriters.join(", ") || "nobody"}, not people, so a revert may not write it`;
  }
  const edit = yieldingEdit(r, field, edits, now);
  return edit ? yieldMessage(field, edit, r.yieldHours!) : null;
}
