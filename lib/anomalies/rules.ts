import "server-only";
import { db } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { DEFAULT_RULE, ruleScopeKey, ZAnomalyRuleInput, type TAnomalyRuleInput } from "./score";

export type TRule = {
  id: string | null;
  agentId: string | null;
  actionTypeId: string | null;
  enabled: boolean;
  windowMinutes: number;
  zThreshold: number;
  minCount: number;
  autoTrip: boolean;
};

export type TRules = { all: TRule[]; byScope: Map<string, TRule> };

/** Every rule row (a handful), with the built-in default where no default row exists. */
export async function loadRules(): Promise<TRules> {
  const rows = await db.anomalyRule.findMany();
  const all: TRule[] = rows.map((r) => ({
    id: r.id,
    agentId: r.agentId,
    actionTypeId: r.actionTypeId,
    enabled: r.enabled,
    windowMinutes: r.windowMinutes,
    zThreshold: r.zThreshold,
    minCount: r.minCount,
    autoTrip: r.autoTrip,
  }));
  if (!all.some((r) => !r.agentId && !r.actionTypeId))
    all.push({ id: null, agentId: null, actionTypeId: null, ...DEFAULT_RULE });
  return { all, byScope: new Map(all.map((r) => [ruleScopeKey(r.agentId, r.actionTypeId), r])) };
}

/** The most specific rule: agent × action type, then the agent's, then the type's, the default. */
export function ruleFor(rules: TRules, agentId: string, actionTypeId: string): TRule {
  return (
    rules.byScope.get(ruleScopeKey(agentId, actionTypeId)) ??
    rules.byScope.get(ruleScopeKey(agentId, null)) ??
    rules.byScope.get(ruleScopeKey(null, actionTypeId)) ??
    rules.byScope.get(ruleScopeKey(null, null))!
  );
}

const settings = (r: Omit<TRule, "id" | "agentId" | "actionTypeId">) => ({
  enabled: r.enabled,
  windowMinutes: r.windowMinutes,
  zThreshold: r.zThreshold,
  minCount: r.minCount,
  autoTrip: r.autoTrip,
});

/**
 * Set the rule of a scope (created or changed), audited in the config lane with the settings
 * before and after and the reason. Concurrent saves of one scope: the upsert on the unique
 * scope key leaves one row, each save audited with what it replaced (read under the row lock).
 */
export async function saveAnomalyRule(
  input: TAnomalyRuleInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZAnomalyRuleInput.parse(input);
  return db.$transaction(async (tx) => {
    const [agent, type] = await Promise.all([
      data.agentId
        ? tx.agent.findUnique({
            where: { id: data.agentId },
            select: { id: true, name: true, environmentId: true, environment: true },
          })
        : null,
      data.actionTypeId
        ? tx.actionType.findUnique({ where: { id: data.actionTypeId }, select: { key: true } })
        : null,
    ]);
    if (data.agentId && !agent) throw notFound(`Agent "${data.agentId}"`);
    if (data.actionTypeId && !type) throw notFound(`Action type "${data.actionTypeId}"`);
    const scopeKey = ruleScopeKey(data.agentId, data.actionTypeId);
    // the row locked while it is replaced, so the audited "before" is the one replaced
    await tx.$executeRaw`select 1 from "AnomalyRule" where "scopeKey" = ${scopeKey} for update`;
    const before = await tx.anomalyRule.findUnique({ where: { scopeKey } });
    const after = settings(data);
    const rule = await tx.anomalyRule.upsert({
      where: { scopeKey },
      create: {
        scopeKey,
        agentId: data.agentId,
        actionTypeId: data.actionTypeId,
        ...after,
        updatedById: actorUserId,
      },
      update: { ...after, updatedById: actorUserId },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "anomaly_rule.saved",
      subjectId: rule.id,
      environmentId: agent?.environmentId ?? null,
      reasonText: data.reason,
      payload: {
        scope: scopeLabel(agent && `${agent.name} (${agent.environment.slug})`, type?.key),
        before: before ? settings(before) : null,
        after,
      },
      context,
    });
    return rule;
  });
}

/** Remove an agent's or action type's rule (the next broader one applies again), audited. */
export async function deleteAnomalyRule(
  id: string,
  reason: string,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const why = reason.trim();
  if (why.length < 3) throw new AppError("invalid_body", "Say why (at least 3 characters)");
  return db.$transaction(async (tx) => {
    const rule = await tx.anomalyRule.findUnique({
      where: { id },
      include: {
        agent: {
          select: { name: true, environmentId: true, environment: { select: { slug: true } } },
        },
        actionType: { select: { key: true } },
      },
    });
    if (!rule) throw notFound(`Anomaly rule "${id}"`);
    if (!rule.agentId && !rule.actionTypeId)
      throw new AppError(
        "invalid_body",
        "The default rule cannot be removed: change its settings, or switch it off",
      );
    const removed = await tx.anomalyRule.deleteMany({ where: { id } });
    if (!removed.count) throw notFound(`Anomaly rule "${id}"`);
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "anomaly_rule.deleted",
      subjectId: id,
      environmentId: rule.agent?.environmentId ?? null,
      reasonText: why,
      payload: {
        scope: scopeLabel(
          rule.agent && `${rule.agent.name} (${rule.agent.environment.slug})`,
          rule.actionType?.key,
        ),
      },
      context,
    });
    return { id };
  });
}

function scopeLabel(agent: string | null | undefined, actionType: string | null | undefined) {
  return `${agent ?? "every agent"} × ${actionType ?? "every action type"}`;
}

/** The rules for the console: the default first, then by agent and action type, with names. */
export async function listAnomalyRules() {
  const rows = await db.anomalyRule.findMany({
    include: {
      agent: { select: { name: true, environment: { select: { name: true } } } },
      actionType: { select: { key: true, name: true } },
      updatedBy: { select: { name: true } },
    },
  });
  const list = rows.map((r) => ({
    id: r.id as string | null,
    agentId: r.agentId,
    agentName: r.agent ? `${r.agent.name} (${r.agent.environment.name})` : null,
    actionTypeId: r.actionTypeId,
    actionTypeName: r.actionType?.name ?? null,
    ...settings(r),
    updatedAt: r.updatedAt.toISOString() as string | null,
    updatedBy: r.updatedBy?.name ?? null,
  }));
  if (!list.some((r) => !r.agentId && !r.actionTypeId)) {
    list.push({
      id: null,
      agentId: null,
      agentName: null,
      actionTypeId: null,
      actionTypeName: null,
      ...DEFAULT_RULE,
      updatedAt: null,
      updatedBy: null,
    });
  }
  const rank = (r: (typeof list)[number]) => (r.agentId ? 2 : 0) + (r.actionTypeId ? 1 : 0);
  return list.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.agentName ?? "").localeCompare(b.agentName ?? "") ||
      (a.actionTypeName ?? "").localeCompare(b.actionTypeName ?? ""),
  );
}
export type TAnomalyRuleRow = Awaited<ReturnType<typeof listAnomalyRules>>[number];

/** What a rule can be about, with names: the agents (and their environment) and action types. */
export async function ruleChoices() {
  const [agents, actionTypes] = await Promise.all([
    db.agent.findMany({
      where: { status: { not: "retired" } },
      select: { id: true, name: true, environment: { select: { name: true } } },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    }),
    db.actionType.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  return {
    agents: agents.map((a) => ({ id: a.id, name: `${a.name} (${a.environment.name})` })),
    actionTypes,
  };
}
