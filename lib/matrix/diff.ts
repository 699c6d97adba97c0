/**
 * A draft's difference from the active version: per rule, per setting, before → after, in words
 * a person reads (the console's diff and the publish audit event show the same lines). Pure.
 */
import { MODE_LABELS, type TRuleSettings } from "./rule-schema";

export type TDiffRule = TRuleSettings & { actionType: string };
export type TSettingChange = { setting: string; before: string; after: string };
export type TRuleDiff = {
  actionType: string;
  change: "added" | "removed" | "changed";
  settings: TSettingChange[];
};

const yesNo = (b: boolean) => (b ? "yes" : "no");
const none = "—";

/** How an approver group is shown: its name where the caller knows it. */
type TGroupName = (key: string) => string;
const asIs: TGroupName = (k) => k;

function conditionText(c: TRuleSettings["conditions"][number], group: TGroupName): string {
  const raises = [
    c.mode ? MODE_LABELS[c.mode] : null,
    c.approverRole ? `approver ${group(c.approverRole)}` : null,
    c.requiredApprovals !== undefined ? `${c.requiredApprovals} approvals` : null,
  ].filter(Boolean);
  return `when ${c.when} → ${raises.join(", ")}`;
}

function constraintText(c: TRuleSettings["constraints"][number]): string {
  const parts = [
    c.allowedValues ? `one of ${c.allowedValues.join(", ")}` : null,
    c.min !== undefined ? `≥ ${c.min}` : null,
    c.max !== undefined ? `≤ ${c.max}` : null,
    c.maxRelativeChange !== undefined
      ? `change ≤ ±${Math.round(c.maxRelativeChange * 100)}%`
      : null,
  ].filter(Boolean);
  return parts.join(", ") || "any value";
}

const SCALARS: {
  key: keyof TRuleSettings;
  label: string;
  show: (r: TRuleSettings, group: TGroupName) => string;
}[] = [
  { key: "mode", label: "Mode", show: (r) => MODE_LABELS[r.mode] },
  {
    key: "approverRole",
    label: "Approver group",
    show: (r, group) => (r.approverRole ? group(r.approverRole) : none),
  },
  {
    key: "requiredApprovals",
    label: "Required approvals",
    show: (r) => String(r.requiredApprovals),
  },
  {
    key: "slaMinutes",
    label: "SLA",
    show: (r) => (r.slaMinutes === null ? none : `${r.slaMinutes} min`),
  },
  { key: "requireReason", label: "Reason code required", show: (r) => yesNo(r.requireReason) },
  { key: "requireEvidence", label: "Evidence required", show: (r) => yesNo(r.requireEvidence) },
  { key: "loggingRequired", label: "Logging required", show: (r) => r.loggingRequired },
  { key: "reversible", label: "Reversible", show: (r) => yesNo(r.reversible) },
  { key: "rollbackPlan", label: "Rollback plan", show: (r) => r.rollbackPlan },
  {
    key: "rollbackByDelete",
    label: "Revert of a create deletes the record",
    show: (r) => yesNo(r.rollbackByDelete),
  },
];

function keyed<T>(items: readonly T[], key: (t: T) => string, text: (t: T) => string) {
  return new Map(items.map((i) => [key(i), text(i)]));
}

function listChanges(
  label: string,
  before: Map<string, string>,
  after: Map<string, string>,
): TSettingChange[] {
  const out: TSettingChange[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(k) ?? none;
    const a = after.get(k) ?? none;
    if (b !== a) out.push({ setting: `${label} ${k}`, before: b, after: a });
  }
  return out;
}

/** Every setting of `after` that differs from `before` (either may be absent). */
export function diffRule(
  before: TRuleSettings | null,
  after: TRuleSettings | null,
  group: TGroupName = asIs,
) {
  const empty: TRuleSettings = {
    mode: "auto",
    approverRole: null,
    requiredApprovals: 1,
    slaMinutes: null,
    requireReason: false,
    requireEvidence: false,
    loggingRequired: none,
    reversible: false,
    rollbackPlan: none,
    rollbackByDelete: false,
    conditions: [],
    constraints: [],
  };
  const b = before ?? empty;
  const a = after ?? empty;
  const out: TSettingChange[] = [];
  for (const s of SCALARS) {
    const [x, y] = [before ? s.show(b, group) : none, after ? s.show(a, group) : none];
    if (x !== y) out.push({ setting: s.label, before: x, after: y });
  }
  out.push(
    ...listChanges(
      "Condition",
      keyed(
        b.conditions,
        (c) => c.name,
        (c) => conditionText(c, group),
      ),
      keyed(
        a.conditions,
        (c) => c.name,
        (c) => conditionText(c, group),
      ),
    ),
    ...listChanges(
      "Constraint on",
      keyed(b.constraints, (c) => c.field, constraintText),
      keyed(a.constraints, (c) => c.field, constraintText),
    ),
  );
  return out;
}

/** The rules that differ, in the draft's order (rules only in the active version last). */
export function diffMatrix(
  active: readonly TDiffRule[],
  draft: readonly TDiffRule[],
  group: TGroupName = asIs,
): TRuleDiff[] {
  const was = new Map(active.map((r) => [r.actionType, r]));
  const out: TRuleDiff[] = [];
  for (const r of draft) {
    const old = was.get(r.actionType) ?? null;
    const settings = diffRule(old, r, group);
    if (settings.length)
      out.push({ actionType: r.actionType, change: old ? "changed" : "added", settings });
  }
  const now = new Set(draft.map((r) => r.actionType));
  for (const r of active) {
    if (!now.has(r.actionType))
      out.push({ actionType: r.actionType, change: "removed", settings: diffRule(r, null, group) });
  }
  return out;
}
