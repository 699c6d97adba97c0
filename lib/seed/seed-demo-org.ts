import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { writeAuditEvent } from "@/lib/audit";
import { hashPassword } from "@/lib/auth/password";
import { pickRuleSettings } from "@/lib/matrix";
import {
  ACTION_TYPES,
  AGENTS,
  APPROVER_GROUPS,
  DEFAULT_MATRIX,
  DEMO_USERS,
  ENVIRONMENTS,
  FIELD_OWNERSHIP,
  PERMISSION_SETS,
  WORKFLOWS,
} from "./demo-fixtures";
import { seedHistory } from "./seed-history";
import type { TSeedContext } from "./seed-context";

const DAY = 86_400_000;
const SEED_LOCK = 7_204_001;

export type TSeedResult = { seeded: boolean; requests: number };

/**
 * Seed the demo org when the database is empty. Idempotent and safe when two launchers
 * race: an advisory lock serialises them and the second sees a populated database.
 */
export async function seedDemoOrg(
  opts: { now?: Date; history?: boolean } = {},
): Promise<TSeedResult> {
  const now = opts.now ?? new Date();
  // hash outside the transaction: bcrypt is deliberately slow
  const hashes = new Map<string, string>();
  for (const pw of new Set(DEMO_USERS.map((u) => u.password)))
    hashes.set(pw, await hashPassword(pw));

  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`select pg_advisory_xact_lock(${SEED_LOCK})`;
      if ((await tx.environment.count()) > 0) return { seeded: false, requests: 0 };
      const ctx = await seedConfig(tx, now, hashes);
      const requests = opts.history === false ? 0 : await seedHistory(tx, ctx, now);
      return { seeded: true, requests };
    },
    { timeout: 300_000, maxWait: 60_000 },
  );
}

async function seedConfig(tx: Tx, now: Date, hashes: Map<string, string>): Promise<TSeedContext> {
  const configAt = new Date(now.getTime() - 32 * DAY);

  const envs: Record<string, string> = {};
  for (const e of ENVIRONMENTS) {
    envs[e.slug] = (await tx.environment.create({ data: { ...e, createdAt: configAt } })).id;
  }

  const groups: Record<string, string> = {};
  for (const g of APPROVER_GROUPS) {
    groups[g.key] = (await tx.approverGroup.create({ data: { ...g, createdAt: configAt } })).id;
  }

  const users: Record<string, string> = {};
  for (const u of DEMO_USERS) {
    const row = await tx.user.create({
      data: {
        email: u.email,
        name: u.name,
        passwordHash: hashes.get(u.password)!,
        createdAt: configAt,
        roles: { create: u.roles.map((role) => ({ role, createdAt: configAt })) },
        groups: { create: u.groups.map((key) => ({ groupId: groups[key], addedAt: configAt })) },
      },
    });
    users[u.key] = row.id;
  }
  const admin = { type: "user" as const, userId: users.admin };
  const ops = { type: "user" as const, userId: users.ops };

  const actionTypes: Record<string, string> = {};
  for (const a of ACTION_TYPES) {
    actionTypes[a.key] = (await tx.actionType.create({ data: { ...a, fields: [...a.fields] } })).id;
  }

  const matrix = await tx.policyMatrixVersion.create({
    data: {
      version: 1,
      status: "active",
      note: "The seed checklist's who-approves-what matrix",
      createdById: users.ops,
      createdAt: configAt,
      publishedAt: configAt,
      rules: {
        create: DEFAULT_MATRIX.map((r) => ({
          actionTypeId: actionTypes[r.actionType],
          ...pickRuleSettings(r),
          conditions: r.conditions as Prisma.InputJsonValue,
          constraints: r.constraints as Prisma.InputJsonValue,
        })),
      },
    },
  });
  await writeAuditEvent(tx, {
    actor: ops,
    action: "policy_matrix.published",
    subjectId: matrix.id,
    reasonText: "Initial matrix from the governance checklist",
    payload: { version: 1, rules: DEFAULT_MATRIX.length },
    at: configAt,
  });

  const workflowVersions: TSeedContext["workflowVersions"] = {};
  // the demo's versions arrive already published or retired (migration …_workflow_version_doors)
  await tx.$executeRaw`select set_config('tollgate.workflow_version_import', 'on', true)`;
  for (const w of WORKFLOWS) {
    const wf = await tx.workflow.create({
      data: { key: w.key, name: w.name, ownerId: users[w.ownerKey], createdAt: configAt },
    });
    workflowVersions[w.key] = [];
    for (const v of w.versions) {
      const publishedAt = new Date(configAt.getTime() + (v.version - 1) * 9 * DAY);
      const row = await tx.workflowVersion.create({
        data: {
          workflowId: wf.id,
          version: v.version,
          status: v.status,
          actionTypes: [...w.actionTypes],
          rolloutPercent: v.rolloutPercent,
          definition: { actionTypes: w.actionTypes, notes: `${w.name} v${v.version}` },
          changeWindows: [],
          createdAt: publishedAt,
          publishedAt,
          publishedById: users[w.ownerKey],
          // the next version replaced it when it was published
          retiredAt: v.status === "retired" ? new Date(publishedAt.getTime() + 9 * DAY) : null,
        },
      });
      workflowVersions[w.key].push({
        id: row.id,
        version: v.version,
        rolloutPercent: v.rolloutPercent,
        status: v.status,
      });
      await writeAuditEvent(tx, {
        actor: ops,
        action: "workflow_version.published",
        subjectId: row.id,
        source: { workflow: w.key, version: v.version },
        payload: { rolloutPercent: v.rolloutPercent },
        at: publishedAt,
      });
    }
  }

  const agents: TSeedContext["agents"] = {};
  for (const env of ENVIRONMENTS) {
    for (const a of AGENTS) {
      const row = await tx.agent.create({
        data: {
          slug: a.slug,
          name: a.name,
          description: a.description,
          environmentId: envs[env.slug],
          ownerId: users[a.ownerKey],
          phase: a.phase[env.slug],
          callsPerMinute: a.callsPerMinute,
          writesPerHour: a.writesPerHour,
          createdAt: configAt,
        },
      });
      agents[`${env.slug}/${a.slug}`] = {
        id: row.id,
        slug: a.slug,
        env: env.slug,
        phase: row.phase,
        workflow: a.workflow,
        ownerId: row.ownerId,
      };
      await writeAuditEvent(tx, {
        actor: admin,
        action: "agent.created",
        subjectId: row.id,
        environmentId: envs[env.slug],
        payload: { slug: a.slug, phase: row.phase, owner: a.ownerKey },
        at: configAt,
      });
    }
    for (const ps of PERMISSION_SETS) {
      const set = await tx.permissionSet.create({
        data: {
          slug: ps.slug,
          name: ps.name,
          domain: ps.domain,
          environmentId: envs[env.slug],
          createdAt: configAt,
          grants: {
            create: ps.grants.map((g) => ({
              ...g,
              recordCondition: g.recordCondition ?? null,
              grantedById: users.risk,
              validFrom: configAt,
              createdAt: configAt,
            })),
          },
          agents: {
            create: ps.agents.map((slug) => ({ agentId: agents[`${env.slug}/${slug}`].id })),
          },
          reviews: {
            create: {
              reviewerId: users.risk,
              outcome: "approved",
              notes: "Initial scope sign-off",
              reviewedAt: configAt,
              nextDueAt: new Date(configAt.getTime() + 90 * DAY),
            },
          },
        },
      });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: users.risk },
        action: "permission_set.created",
        subjectId: set.id,
        environmentId: envs[env.slug],
        payload: { slug: ps.slug, grants: ps.grants.length, agents: ps.agents },
        at: configAt,
      });
    }
  }

  // a time-bounded elevation in prod: the Q4 clean-up may touch larger deals until mid-December
  const prodHygiene = await tx.permissionSet.findFirstOrThrow({
    where: { slug: "pipeline-hygiene", environmentId: envs.prod },
  });
  const elevation = await tx.grant.create({
    data: {
      permissionSetId: prodHygiene.id,
      object: "Opportunity",
      operations: ["update"],
      writableFields: ["NextStep", "CloseDate"],
      recordCondition: "IsClosed = false and Amount >= 500000",
      validFrom: new Date(now.getTime() - 3 * DAY),
      validUntil: new Date(now.getTime() + 21 * DAY),
      grantedById: users.risk,
      reason: "Q4 close-date clean-up on large deals (time-bounded elevation)",
    },
  });
  await writeAuditEvent(tx, {
    actor: { type: "user", userId: users.risk },
    action: "grant.elevated",
    subjectId: elevation.id,
    environmentId: envs.prod,
    reasonText: elevation.reason,
    payload: { validUntil: elevation.validUntil },
    at: new Date(now.getTime() - 3 * DAY),
  });

  for (const f of FIELD_OWNERSHIP) {
    const { ownerKey, ...rest } = f;
    await tx.fieldOwnership.create({ data: { ...rest, ownerUserId: users[ownerKey] } });
  }
  await writeAuditEvent(tx, {
    actor: { type: "user", userId: users.sysowner },
    action: "field_ownership.defined",
    subjectId: "salesforce",
    payload: { fields: FIELD_OWNERSHIP.map((f) => `${f.object}.${f.field}`) },
    at: configAt,
  });

  for (const [scope, scopeKey] of [["global", "global"]] as const) {
    await tx.killSwitch.create({ data: { scope, scopeKey, engaged: false } });
  }

  return { envs, groups, users, actionTypes, matrixId: matrix.id, workflowVersions, agents };
}
