import "server-only";
import { Prisma, db, type Tx } from "@/lib/db";
import { AppError, invalid, notFound } from "@/lib/core/errors";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { diffMatrix, type TDiffRule } from "./diff";
import {
  ZCreateDraftInput,
  ZDiscardInput,
  ZPublishInput,
  ZRollbackInput,
  ZRuleSettings,
  type TRuleSettings,
} from "./rule-schema";

/**
 * The matrix's versions and their one-way life: draft → active → superseded (or draft →
 * discarded). Only a draft's rules change. At most ONE draft is open at a time (any ops owner or
 * admin may edit it; every editor is recorded), so the diff and the simulation are always of
 * "the" next matrix against the active one. Publishing is a second person's: policy:publish and
 * neither the draft's creator nor any of its editors. A rollback makes a NEW active version that
 * copies an earlier version's rules (history only grows; the copy says what it copied), by a
 * publisher who did not author the version rolled back to — a rollback can widen what agents may
 * do, so it gets the same second-person rule. Each step locks the version rows it reads
 * (FOR UPDATE) and commits with its config-lane audit event; partial unique indexes (one active,
 * one draft) back the locks up.
 */

type TRuleRow = Prisma.PolicyRuleGetPayload<{ include: { actionType: true } }>;

/** A stored rule as the editor's schema types it (conditions and constraints are JSON). */
export function ruleSettingsOf(r: TRuleRow | Prisma.PolicyRuleGetPayload<object>): TRuleSettings {
  return {
    mode: r.mode,
    approverRole: r.approverRole,
    requiredApprovals: r.requiredApprovals,
    slaMinutes: r.slaMinutes,
    requireReason: r.requireReason,
    requireEvidence: r.requireEvidence,
    loggingRequired: r.loggingRequired,
    reversible: r.reversible,
    rollbackPlan: r.rollbackPlan,
    rollbackByDelete: r.rollbackByDelete,
    conditions: (r.conditions ?? []) as TRuleSettings["conditions"],
    constraints: (r.constraints ?? []) as TRuleSettings["constraints"],
  };
}

const diffRules = (rules: TRuleRow[]): TDiffRule[] =>
  rules.map((r) => ({ actionType: r.actionType.key, ...ruleSettingsOf(r) }));

type TLocked = {
  id: string;
  version: number;
  status: string;
  createdById: string | null;
  editorIds: string[];
  updatedAt: Date;
};

/** Locks the active version and the ones named, in version order (no deadlock between two). */
async function lockVersions(tx: Tx, ids: string[]): Promise<TLocked[]> {
  return tx.$queryRaw<TLocked[]>`
    select id, version, status, "createdById", "editorIds", "updatedAt"
    from "PolicyMatrixVersion"
    where status = 'active' or id in (${Prisma.join(ids.length ? ids : ["-"])})
    order by version
    for update`;
}

const rulesOf = (tx: Tx, matrixVersionId: string) =>
  tx.policyRule.findMany({ where: { matrixVersionId }, include: { actionType: true } });

async function nextVersionNumber(tx: Tx) {
  const { _max } = await tx.policyMatrixVersion.aggregate({ _max: { version: true } });
  return (_max.version ?? 0) + 1;
}

const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";

function copyRule(r: TRuleRow, matrixVersionId: string): Prisma.PolicyRuleCreateManyInput {
  return {
    matrixVersionId,
    actionTypeId: r.actionTypeId,
    mode: r.mode,
    approverRole: r.approverRole,
    requiredApprovals: r.requiredApprovals,
    requireReason: r.requireReason,
    requireEvidence: r.requireEvidence,
    loggingRequired: r.loggingRequired,
    reversible: r.reversible,
    rollbackPlan: r.rollbackPlan,
    rollbackByDelete: r.rollbackByDelete,
    slaMinutes: r.slaMinutes,
    conditions: r.conditions as Prisma.InputJsonValue,
    constraints: r.constraints as Prisma.InputJsonValue,
  };
}

/** A new draft copying the active version's rules; 409 draft_exists while one is open. */
export async function createDraft(
  actorId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZCreateDraftInput.parse(input);
  try {
    return await db.$transaction(async (tx) => {
      const active = (await lockVersions(tx, [])).find((v) => v.status === "active") ?? null;
      const open = await tx.policyMatrixVersion.findFirst({ where: { status: "draft" } });
      if (open) throw draftExists(open.version);
      const version = await nextVersionNumber(tx);
      const draft = await tx.policyMatrixVersion.create({
        data: {
          version,
          status: "draft",
          note: data.note || null,
          createdById: actorId,
          editorIds: [actorId],
          basedOnVersion: active?.version ?? null,
        },
      });
      const rules = active ? await rulesOf(tx, active.id) : [];
      await tx.policyRule.createMany({ data: rules.map((r) => copyRule(r, draft.id)) });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorId },
        action: "policy_matrix.draft_created",
        subjectId: draft.id,
        reasonText: data.note || null,
        payload: { version, basedOn: active?.version ?? null, rules: rules.length },
        context,
      });
      return { id: draft.id, version };
    });
  } catch (err) {
    // two at once: the partial unique index lets one draft through
    if (isUniqueViolation(err)) throw draftExists(null);
    throw err;
  }
}

const draftExists = (version: number | null) =>
  new AppError(
    "draft_exists",
    `A draft is already open${version ? ` (version ${version})` : ""}: edit it, or discard it first`,
  );

function assertDraft(v: TLocked | undefined, what: string): asserts v is TLocked {
  if (!v) throw notFound("The matrix version");
  if (v.status !== "draft")
    throw new AppError(
      "version_immutable",
      `Version ${v.version} is ${v.status}: ${what} only a draft (published versions never change)`,
    );
}

/** Replaces one rule's settings in the open draft; any other version is refused (409). */
export async function updateDraftRule(
  actorId: string,
  versionId: string,
  actionTypeKey: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const settings = ZRuleSettings.parse(input);
  return db.$transaction(async (tx) => {
    const [v] = await tx.$queryRaw<TLocked[]>`
      select id, version, status, "createdById", "editorIds", "updatedAt"
      from "PolicyMatrixVersion" where id = ${versionId} for update`;
    assertDraft(v, "you can edit");
    const actionType = await tx.actionType.findUnique({ where: { key: actionTypeKey } });
    if (!actionType) throw notFound(`Action type ${actionTypeKey}`);
    await checkReferences(tx, settings, actionType.fields);
    const existing = await tx.policyRule.findUnique({
      where: {
        matrixVersionId_actionTypeId: { matrixVersionId: v.id, actionTypeId: actionType.id },
      },
      include: { actionType: true },
    });
    const row = {
      ...settings,
      conditions: settings.conditions as Prisma.InputJsonValue,
      constraints: settings.constraints as Prisma.InputJsonValue,
    };
    await tx.policyRule.upsert({
      where: {
        matrixVersionId_actionTypeId: { matrixVersionId: v.id, actionTypeId: actionType.id },
      },
      create: { matrixVersionId: v.id, actionTypeId: actionType.id, ...row },
      update: row,
    });
    const changes =
      diffMatrix(existing ? diffRules([existing]) : [], [
        { actionType: actionTypeKey, ...settings },
      ])[0]?.settings ?? [];
    const updated = await tx.policyMatrixVersion.update({
      where: { id: v.id },
      // updatedAt set by hand: an update with nothing else to change would leave it as it was,
      // and a publisher who read the draft before this edit is refused by it
      data: {
        editorIds: v.editorIds.includes(actorId) ? undefined : { push: actorId },
        updatedAt: new Date(),
      },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorId },
      action: "policy_matrix.rule_edited",
      subjectId: v.id,
      payload: { version: v.version, actionType: actionTypeKey, changes },
      context,
    });
    return { id: v.id, version: v.version, updatedAt: updated.updatedAt, changes: changes.length };
  });
}

/** Approver groups that exist, constraint fields the action type has: refused by path. */
async function checkReferences(tx: Tx, s: TRuleSettings, fields: readonly string[]) {
  const groups = new Set(
    (await tx.approverGroup.findMany({ select: { key: true } })).map((g) => g.key),
  );
  const errors: { path: string; message: string }[] = [];
  const group = (path: string, key: string | null | undefined) => {
    if (key && !groups.has(key)) errors.push({ path, message: `No approver group "${key}"` });
  };
  group("approverRole", s.approverRole);
  s.conditions.forEach((c, i) => group(`conditions.${i}.approverRole`, c.approverRole));
  s.constraints.forEach((c, i) => {
    if (!fields.includes(c.field))
      errors.push({
        path: `constraints.${i}.field`,
        message: `${c.field} is not a field of this action type (${fields.join(", ")})`,
      });
  });
  if (errors.length) throw invalid("The rule is not valid", errors);
}

/** Drops the open draft unpublished (kept, as discarded, for the record). */
export async function discardDraft(
  actorId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZDiscardInput.parse(input);
  return db.$transaction(async (tx) => {
    const v = (await lockVersions(tx, [versionId])).find((x) => x.id === versionId);
    assertDraft(v, "you can discard");
    await tx.policyMatrixVersion.update({ where: { id: v.id }, data: { status: "discarded" } });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorId },
      action: "policy_matrix.draft_discarded",
      subjectId: v.id,
      reasonText: data.reason ?? null,
      payload: { version: v.version },
      context,
    });
    return { id: v.id, version: v.version, status: "discarded" };
  });
}

const authorsOf = (v: TLocked) => [
  ...new Set([v.createdById, ...v.editorIds].filter((x): x is string => !!x)),
];

async function namesOf(tx: Tx, ids: string[]) {
  const users = await tx.user.findMany({
    where: { id: { in: ids } },
    select: { id: true, name: true },
  });
  return ids.map((id) => users.find((u) => u.id === id)?.name ?? id);
}

function assertExpectedActive(active: TLocked | undefined, expected: number | null | undefined) {
  if (expected === undefined) return;
  if ((active?.version ?? null) !== expected)
    throw new AppError(
      "state_changed",
      `The active version is now ${active ? active.version : "none"}, not ${expected ?? "none"}: review the diff again`,
    );
}

/**
 * Makes the draft the active version and supersedes the one before, in one transaction. Two
 * publishes at once: the second waits for the first's row locks, then finds the draft active
 * and gets 409 state_changed. The publisher may not be an author of the draft (403).
 */
export async function publishDraft(
  actorId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZPublishInput.parse(input);
  const result = await db.$transaction(async (tx) => {
    const locked = await lockVersions(tx, [versionId]);
    const draft = locked.find((v) => v.id === versionId);
    if (!draft) throw notFound("The matrix version");
    if (draft.status !== "draft")
      throw new AppError(
        "state_changed",
        `Version ${draft.version} is already ${draft.status}: someone published or discarded it`,
      );
    const authors = authorsOf(draft);
    if (authors.includes(actorId))
      throw new AppError(
        "separation_of_duties",
        "You drafted or edited this version: another risk owner or admin must publish it",
      );
    if (
      data.draftUpdatedAt &&
      new Date(data.draftUpdatedAt).getTime() !== draft.updatedAt.getTime()
    )
      throw new AppError(
        "state_changed",
        `Version ${draft.version} was edited since you read it: review the diff again`,
      );
    const active = locked.find((v) => v.status === "active");
    assertExpectedActive(active, data.expectedActiveVersion);
    const [before, after] = await Promise.all([
      active ? rulesOf(tx, active.id) : Promise.resolve([]),
      rulesOf(tx, draft.id),
    ]);
    const now = new Date();
    if (active) {
      const n = await tx.policyMatrixVersion.updateMany({
        where: { id: active.id, status: "active" },
        data: { status: "superseded", supersededAt: now },
      });
      if (n.count !== 1)
        throw new AppError("state_changed", "The active version changed meanwhile");
    }
    const n = await tx.policyMatrixVersion.updateMany({
      where: { id: draft.id, status: "draft" },
      data: {
        status: "active",
        publishedAt: now,
        publishedById: actorId,
        publishReason: data.reason,
      },
    });
    if (n.count !== 1) throw new AppError("state_changed", "The draft changed meanwhile");
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorId },
      action: "policy_matrix.published",
      subjectId: draft.id,
      reasonText: data.reason,
      payload: {
        version: draft.version,
        rules: after.length,
        previous: active?.version ?? null,
        authors: await namesOf(tx, authors),
        changes: diffMatrix(diffRules(before), diffRules(after)),
      },
      context,
      at: now,
    });
    return {
      id: draft.id,
      version: draft.version,
      status: "active",
      previous: active?.version ?? null,
    };
  });
  clearPolicyCaches();
  return result;
}

/**
 * Rolls back to an earlier version in one step: a new active version with that version's rules
 * (origin "rollback"). Refused for the version's own authors, like a publish.
 */
export async function rollbackTo(
  actorId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZRollbackInput.parse(input);
  const result = await db.$transaction(async (tx) => {
    const locked = await lockVersions(tx, [versionId]);
    const target = locked.find((v) => v.id === versionId);
    if (!target) throw notFound("The matrix version");
    if (target.status !== "superseded")
      throw new AppError(
        "state_changed",
        target.status === "active"
          ? `Version ${target.version} is already the active version`
          : `Version ${target.version} was never published (${target.status}): only a published version can be rolled back to`,
      );
    if (authorsOf(target).includes(actorId))
      throw new AppError(
        "separation_of_duties",
        `You authored version ${target.version}: another risk owner or admin must roll back to it`,
      );
    const active = locked.find((v) => v.status === "active");
    assertExpectedActive(active, data.expectedActiveVersion);
    const [before, rules] = await Promise.all([
      active ? rulesOf(tx, active.id) : Promise.resolve([]),
      rulesOf(tx, target.id),
    ]);
    const now = new Date();
    if (active) {
      const n = await tx.policyMatrixVersion.updateMany({
        where: { id: active.id, status: "active" },
        data: { status: "superseded", supersededAt: now },
      });
      if (n.count !== 1)
        throw new AppError("state_changed", "The active version changed meanwhile");
    }
    const version = await nextVersionNumber(tx);
    const created = await tx.policyMatrixVersion.create({
      data: {
        version,
        status: "active",
        origin: "rollback",
        basedOnVersion: target.version,
        note: `Rollback to version ${target.version}`,
        createdById: actorId,
        editorIds: [],
        publishedAt: now,
        publishedById: actorId,
        publishReason: data.reason,
      },
    });
    await tx.policyRule.createMany({ data: rules.map((r) => copyRule(r, created.id)) });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorId },
      action: "policy_matrix.rolled_back",
      subjectId: created.id,
      reasonText: data.reason,
      payload: {
        version,
        to: target.version,
        previous: active?.version ?? null,
        rules: rules.length,
        changes: diffMatrix(diffRules(before), diffRules(rules)),
      },
      context,
      at: now,
    });
    return { id: created.id, version, status: "active", rolledBackTo: target.version };
  });
  clearPolicyCaches();
  return result;
}
