import "server-only";
import { Prisma, db, rawQuery } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import { toPolicyRule, type TRuleRow } from "./policy-rule";
import {
  evaluatePolicy,
  type TPolicyActionType,
  type TPolicyDecision,
  type TPolicyInput,
  type TPolicyRule,
  type TOperation,
} from "@/lib/policy";

/**
 * What a draft would change: the last `days` of recorded agent requests replayed through the
 * policy engine (`evaluatePolicy`, the agent API's own) once with the active version's rule and
 * once with the draft's, each with the request's recorded inputs — its changes, the record's
 * values it was read with (`before`, plus amount and stage from its record summary), its reason
 * code and evidence, its agent's phase today. Only the matrix differs between the two runs: the
 * gates before the matrix (kill switches, rates, workflow, scope, field ownership) are left out,
 * and requests those gates refused are not replayed (no matrix can change that answer). So is
 * anything of an action type whose rule the draft leaves as it is.
 *
 * The rows come in keyset pages of PAGE (index on createdAt, id), each one statement with its
 * field changes folded in as jsonb: memory stays bounded however long the window is.
 */

const PAGE = 5_000;
const EXAMPLES = 5;
/** Refusals the matrix itself decides (a changed rule can change them). */
const MATRIX_REFUSALS = [
  "no_policy_rule",
  "reason_required",
  "evidence_required",
  "constraint_violated",
];

type TRow = {
  id: string;
  createdAt: Date;
  agentId: string;
  actionTypeId: string;
  object: string;
  recordId: string | null;
  reasonCode: string | null;
  evidence: unknown;
  before: Record<string, unknown> | null;
  summary: { name?: unknown; amount?: unknown; stage?: unknown } | null;
  changes: Record<string, unknown>;
};

type TKind = "auto" | "approval" | "human-only" | "refused";
type TOutcome = { kind: TKind; approvals: number; approver: string | null; code: string | null };

function outcomeOf(d: TPolicyDecision): TOutcome {
  if (d.outcome === "denied" || !d.mode)
    return { kind: "refused", approvals: 0, approver: null, code: d.denial?.code ?? null };
  const kind: TKind =
    d.mode === "auto" ? "auto" : d.mode === "human_only" ? "human-only" : "approval";
  return { kind, approvals: d.requiredApprovals, approver: d.approverRole, code: null };
}

const kindText = (o: TOutcome) => (o.kind === "refused" && o.code ? `refused (${o.code})` : o.kind);

/** "auto → approval", "approvals 1 → 2", "approver sales_ops → deal_desk"; null = unchanged. */
export function outcomeChange(before: TOutcome, after: TOutcome): string | null {
  if (before.kind !== after.kind || before.code !== after.code)
    return `${kindText(before)} → ${kindText(after)}`;
  if (before.kind === "refused" || before.kind === "auto") return null;
  if (before.approvals !== after.approvals)
    return `approvals ${before.approvals} → ${after.approvals}`;
  if (before.approver !== after.approver)
    return `approver ${before.approver ?? "none"} → ${after.approver ?? "none"}`;
  return null;
}

/** The parts of a rule the engine decides with (the SLA, logging and rollback do not). */
const decisive = (r: TPolicyRule | undefined) =>
  r
    ? JSON.stringify([
        r.mode,
        r.approverRole,
        r.requiredApprovals,
        r.requireReason,
        r.requireEvidence,
        r.conditions,
        r.constraints,
      ])
    : "";

export type TSimulation = Awaited<ReturnType<typeof simulateDraft>>;

export async function simulateDraft(
  versionId: string,
  opts: { days?: number; now?: Date; examples?: number } = {},
) {
  const now = opts.now ?? new Date();
  const days = opts.days ?? 30;
  const since = new Date(now.getTime() - days * 86_400_000);
  const started = performance.now();
  const version = await db.policyMatrixVersion.findUnique({ where: { id: versionId } });
  if (!version) throw notFound("The matrix version");
  const active = await db.policyMatrixVersion.findFirst({ where: { status: "active" } });
  const [draftRows, activeRows, actionTypes, agents] = await Promise.all([
    db.policyRule.findMany({
      where: { matrixVersionId: version.id },
      include: { actionType: true },
    }),
    active && active.id !== version.id
      ? db.policyRule.findMany({
          where: { matrixVersionId: active.id },
          include: { actionType: true },
        })
      : Promise.resolve([] as TRuleRow[]),
    db.actionType.findMany(),
    db.agent.findMany({ select: { id: true, slug: true, phase: true, environmentId: true } }),
  ]);
  const draftRules = new Map(draftRows.map((r) => [r.actionTypeId, toPolicyRule(r)]));
  const activeRules = new Map(activeRows.map((r) => [r.actionTypeId, toPolicyRule(r)]));
  const types = new Map(
    actionTypes.map((a): [string, TPolicyActionType] => [
      a.id,
      { key: a.key, object: a.object, operation: a.operation, fields: a.fields },
    ]),
  );
  const changedTypes = actionTypes
    .filter((a) => decisive(draftRules.get(a.id)) !== decisive(activeRules.get(a.id)))
    .map((a) => a.id);
  const agentOf = new Map(agents.map((a) => [a.id, a]));

  const limit = opts.examples ?? EXAMPLES;
  const byChange = new Map<
    string,
    { count: number; examples: { id: string; actionType: string; record: string | null }[] }
  >();
  let replayed = 0;
  let changed = 0;
  let cursor: { at: Date; id: string } | null = null;
  while (changedTypes.length) {
    const rows: TRow[] = await rawQuery<TRow>(Prisma.sql`
      select ar.id, ar."createdAt", ar."agentId", ar."actionTypeId", ar.object, ar."recordId",
             ar."reasonCode", ar.evidence, ar.before, ar."recordSummary" as summary,
             coalesce((select jsonb_object_agg(fc.field, fc."newValue") from "FieldChange" fc
                       where fc."actionRequestId" = ar.id), '{}'::jsonb) as changes
      from "ActionRequest" ar
      where ar."createdAt" >= (${since.toISOString()}::timestamptz at time zone 'UTC')
        and ar."createdAt" < (${now.toISOString()}::timestamptz at time zone 'UTC')
        and ar."actionTypeId" = any(${changedTypes}::text[])
        and ar."requestedById" is null and ar."revertsId" is null
        and (ar."refusalCode" is null or ar."refusalCode" = any(${MATRIX_REFUSALS}::text[]))
        ${
          cursor
            ? Prisma.sql`and (ar."createdAt", ar.id) > ((${cursor.at.toISOString()}::timestamptz at time zone 'UTC'), ${cursor.id})`
            : Prisma.empty
        }
      order by ar."createdAt", ar.id
      limit ${PAGE}`);
    for (const row of rows) {
      const actionType = types.get(row.actionTypeId);
      const agent = agentOf.get(row.agentId);
      if (!actionType || !agent) continue;
      replayed++;
      const input = replayInput(row, actionType, agent, now);
      const before = outcomeOf(
        evaluatePolicy({ ...input, rule: activeRules.get(row.actionTypeId) ?? null }),
      );
      const after = outcomeOf(
        evaluatePolicy({ ...input, rule: draftRules.get(row.actionTypeId) ?? null }),
      );
      const label = outcomeChange(before, after);
      if (!label) continue;
      changed++;
      let entry = byChange.get(label);
      if (!entry) byChange.set(label, (entry = { count: 0, examples: [] }));
      entry.count++;
      if (entry.examples.length < limit)
        entry.examples.push({
          id: row.id,
          actionType: actionType.key,
          // the record's name as read at ingest, so the example is named, not only numbered
          record: typeof row.summary?.name === "string" ? row.summary.name : null,
        });
    }
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1];
    cursor = { at: last.createdAt, id: last.id };
  }
  return {
    version: version.version,
    activeVersion: active?.version ?? null,
    since,
    until: now,
    actionTypes: changedTypes.map((id) => types.get(id)!.key),
    replayed,
    changed,
    changes: [...byChange.entries()]
      .map(([change, e]) => ({ change, ...e }))
      .sort((a, b) => b.count - a.count || a.change.localeCompare(b.change)),
    ms: Math.round(performance.now() - started),
  };
}

const ACCEPT_ALL = { validFrom: new Date(0), validUntil: null, recordCondition: null } as const;

/** The engine's input for a recorded request: only the rule is left to fill in. */
function replayInput(
  row: TRow,
  actionType: TPolicyActionType,
  agent: { id: string; slug: string; phase: TPolicyInput["agent"]["phase"]; environmentId: string },
  now: Date,
): Omit<TPolicyInput, "rule"> {
  const fields = Object.keys(row.changes);
  const create = actionType.operation === "create";
  let current: Record<string, unknown> | null = null;
  if (!create) {
    current = { ...row.before };
    // the summary read with the record: the fields conditions most often look at
    if (row.summary?.amount !== undefined && !("Amount" in current))
      current.Amount = row.summary.amount;
    if (row.summary?.stage !== undefined && !("StageName" in current))
      current.StageName = row.summary.stage;
  }
  return {
    agent: {
      id: agent.id,
      slug: agent.slug,
      status: "active",
      phase: agent.phase,
      environmentId: agent.environmentId,
    },
    request: {
      actionType: actionType.key,
      object: actionType.object,
      operation: actionType.operation as TOperation,
      recordId: row.recordId,
      changes: row.changes,
      reason: row.reasonCode ? { code: row.reasonCode } : null,
      evidence: Array.isArray(row.evidence)
        ? (row.evidence as { type: string; ref: string }[])
        : [],
    },
    current,
    actionType,
    // it passed scope when it was recorded: one grant covering exactly what it asked
    grants: [
      {
        id: "recorded",
        label: "The recorded request",
        object: actionType.object,
        operations: [actionType.operation],
        writableFields: fields,
        ...ACCEPT_ALL,
      },
    ],
    workflow: null,
    fieldOwnership: [],
    killSwitches: [],
    now,
  };
}
