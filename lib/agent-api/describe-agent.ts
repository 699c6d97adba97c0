import "server-only";
import { db } from "@/lib/db";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { peekRate } from "@/lib/guardrails/rate-limit";
import { agentGrants, killSwitchState, policyConfig } from "./policy-context";

/**
 * GET /me: who the agent is, what its grants let it write, which action types it may request
 * and in which mode, and its rate-limit headroom. Agents plan with it; people debug with it.
 */
export async function describeAgent(agent: TAuthenticatedAgent, now = new Date()) {
  const [config, grants, switches, calls, writes, env] = await Promise.all([
    policyConfig(),
    agentGrants(agent.id),
    killSwitchState(),
    peekRate(agent.id, { kind: "calls_minute", limit: agent.callsPerMinute }, now),
    peekRate(agent.id, { kind: "writes_hour", limit: agent.writesPerHour }, now),
    db.environment.findUniqueOrThrow({
      where: { id: agent.environmentId },
      select: { slug: true, name: true },
    }),
  ]);
  const active = grants.filter(
    (g) =>
      g.validFrom <= now &&
      (!g.validUntil || g.validUntil > now) &&
      (!g.revokedAt || g.revokedAt > now),
  );
  const actionTypes = [...config.actionTypes.values()]
    .map((t) => {
      const covering = active.filter(
        (g) => g.object === t.object && g.operations.includes(t.operation),
      );
      const fields = t.fields.filter((f) => covering.some((g) => g.writableFields.includes(f)));
      const rule = config.rules.get(t.key);
      if (!covering.length || !rule) return null;
      const mode =
        agent.phase === "observe"
          ? "observed"
          : agent.phase === "propose" && rule.mode === "auto"
            ? "human_in_the_loop"
            : rule.mode;
      return {
        key: t.key,
        object: t.object,
        operation: t.operation,
        writableFields: fields,
        mode,
        approverRole: rule.approverRole,
        requireReason: rule.requireReason,
        requireEvidence: rule.requireEvidence,
        raisedWhen: rule.conditions.map((c) => ({
          name: c.name,
          when: c.when,
          approverRole: c.approverRole ?? null,
          requiredApprovals: c.requiredApprovals ?? null,
        })),
        constraints: rule.constraints,
      };
    })
    .filter((x) => x !== null);
  const workflows = [...config.workflows.values()]
    .map((w) => ({
      key: w.key,
      versions: w.versions
        .filter((v) => v.status === "published")
        .map((v) => ({
          version: v.version,
          rolloutPercent: v.rolloutPercent,
          actionTypes: v.actionTypes,
        })),
    }))
    .filter((w) => w.versions.length);
  const applies = switches.filter(
    (s) =>
      s.scope === "global" ||
      (s.scope === "environment" && s.environmentId === agent.environmentId) ||
      (s.scope === "agent" && s.agentId === agent.id) ||
      s.scope === "workflow",
  );
  return {
    agent: {
      id: agent.id,
      slug: agent.slug,
      name: agent.name,
      status: agent.status,
      phase: agent.phase,
    },
    environment: env,
    grants: active.map((g) => ({
      permissionSet: g.label,
      object: g.object,
      operations: g.operations,
      writableFields: g.writableFields,
      recordCondition: g.recordCondition,
      validUntil: g.validUntil,
    })),
    actionTypes,
    workflows,
    rateLimits: { callsPerMinute: calls, writesPerHour: writes },
    killSwitches: applies.map((s) => ({
      scope: s.scope,
      workflow: s.workflowKey,
      reason: s.reason,
    })),
  };
}
