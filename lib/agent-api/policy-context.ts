import "server-only";
import { Prisma, db } from "@/lib/db";
import { ttlCache } from "@/lib/core/ttl-cache";
import { toPolicyRule } from "@/lib/matrix/policy-rule";
import { engagedKillSwitches } from "@/lib/guardrails/kill-switches";
import { liveKillSwitchState } from "@/lib/guardrails/kill-switch-state";
import type {
  TFieldOwnershipRow,
  TKillSwitchState,
  TPolicyActionType,
  TPolicyGrant,
  TPolicyRule,
} from "@/lib/policy";
import type { TOwnershipRule } from "@/lib/execution/field-rules";

/**
 * Everything the policy engine needs besides the request and the record, read with short
 * caches: a change committed on any instance is used here within CONFIG_TTL_MS (ttl-cache.ts
 * counts from the start of the read), at once after `clearPolicyCaches` in this process. Each
 * read is one snapshot (REPEATABLE READ), so a change that spans tables — a matrix version and
 * its rules, a workflow and its versions — is seen whole or not at all.
 */
export const CONFIG_TTL_MS = 1_000;
const SNAPSHOT = { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead };
const SWITCH_TTL_MS = 500;

const configCache = ttlCache(CONFIG_TTL_MS, async (_: "all") => {
  const [actionTypes, matrix, ownership, workflows, groups] = await db.$transaction(
    [
      db.actionType.findMany(),
      db.policyMatrixVersion.findFirst({
        where: { status: "active" },
        orderBy: { version: "desc" },
        include: { rules: { include: { actionType: true } } },
      }),
      db.fieldOwnership.findMany(),
      db.workflow.findMany({ include: { versions: true } }),
      db.approverGroup.findMany({ select: { key: true, slaMinutes: true } }),
    ],
    SNAPSHOT,
  );
  const rules = new Map<string, TPolicyRule>();
  for (const r of matrix?.rules ?? []) {
    rules.set(r.actionType.key, toPolicyRule(r));
  }
  return {
    actionTypes: new Map<string, TPolicyActionType & { id: string }>(
      actionTypes.map((a) => [
        a.key,
        { id: a.id, key: a.key, object: a.object, operation: a.operation, fields: a.fields },
      ]),
    ),
    rules,
    ownership: ownership.map((o): TFieldOwnershipRow => ({
      object: o.object,
      field: o.field,
      systemOfRecord: o.systemOfRecord,
      allowedWriters: o.allowedWriters,
    })),
    workflows: new Map(workflows.map((w) => [w.key, w])),
    /** each approver group's default SLA, for a waiting request whose rule sets none */
    groupSla: new Map(groups.map((g) => [g.key, g.slaMinutes])),
    /** the same rows with what the executor enforces at each write (lib/execution/field-rules.ts) */
    fieldRules: ownership.map((o): TOwnershipRule => ({
      object: o.object,
      field: o.field,
      systemOfRecord: o.systemOfRecord,
      allowedWriters: o.allowedWriters,
      conflictRule: o.conflictRule,
      yieldHours: o.yieldHours,
      freshnessSlaMinutes: o.freshnessSlaMinutes,
    })),
  };
});

const grantCache = ttlCache(CONFIG_TTL_MS, async (agentId: string): Promise<TPolicyGrant[]> => {
  const [sets] = await db.$transaction(
    [
      db.agentPermissionSet.findMany({
        where: { agentId },
        include: { permissionSet: { include: { grants: true } } },
      }),
    ],
    SNAPSHOT,
  );
  return sets.flatMap((s) =>
    s.permissionSet.grants.map((g) => ({
      id: g.id,
      label: s.permissionSet.name,
      object: g.object,
      operations: g.operations,
      writableFields: g.writableFields,
      recordCondition: g.recordCondition,
      validFrom: g.validFrom,
      validUntil: g.validUntil,
      revokedAt: g.revokedAt,
    })),
  );
});

const switchCache = ttlCache(SWITCH_TTL_MS, async (_: "all"): Promise<TKillSwitchState[]> =>
  engagedKillSwitches(),
);

export const policyConfig = () => configCache.get("all");
/** Field ownership as the executor enforces it, from the same 1 s cache (no query per write). */
export const fieldOwnershipRules = async () => (await configCache.get("all")).fieldRules;
export const agentGrants = (agentId: string) => grantCache.get(agentId);
/**
 * The agent API's kill-switch gate: from memory while this process's LISTEN connection is up
 * (a trip is applied the moment its notice arrives), else from the short cache.
 */
export const killSwitchState = async () => liveKillSwitchState() ?? switchCache.get("all");

/** Tests and the console call this after changing configuration in-process. */
export function clearPolicyCaches() {
  configCache.clear();
  grantCache.clear();
  switchCache.clear();
}
