import "server-only";
import { db, type Tx } from "@/lib/db";
import { AppError, notFound } from "@/lib/core/errors";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { diffMatrix } from "./diff";
import { ZPublishInput, ZRollbackInput } from "./rule-schema";
import {
  authorsOf,
  copyRule,
  diffRules,
  lockVersions,
  namesOf,
  nextVersionNumber,
  rulesOf,
  type TLocked,
} from "./version-rows";

/** The second person's steps on the matrix (the rules are in versions.ts's header). */

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
    if (active) await supersede(tx, active.id, now);
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
    if (active) await supersede(tx, active.id, now);
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

/** The active version stands down (guarded: a version activated meanwhile is a 409). */
async function supersede(tx: Tx, id: string, now: Date) {
  const n = await tx.policyMatrixVersion.updateMany({
    where: { id, status: "active" },
    data: { status: "superseded", supersededAt: now },
  });
  if (n.count !== 1) throw new AppError("state_changed", "The active version changed meanwhile");
}
