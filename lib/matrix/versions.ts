import "server-only";
import { Prisma, db, type Tx } from "@/lib/db";
import { AppError, invalid, notFound } from "@/lib/core/errors";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { diffMatrix } from "./diff";
import { ZCreateDraftInput, ZDiscardInput, ZRuleSettings, type TRuleSettings } from "./rule-schema";
import {
  copyRule,
  diffRules,
  isUniqueViolation,
  lockVersions,
  nextVersionNumber,
  rulesOf,
  type TLocked,
} from "./version-rows";

export { ruleSettingsOf } from "./version-rows";
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
