import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import { diffMatrix } from "./diff";
import { ruleSettingsOf } from "./versions";

const person = { select: { name: true } } as const;

/** Every version, newest first: who drafted, edited and published it, when, and why. */
export async function listMatrixVersions() {
  const versions = await db.policyMatrixVersion.findMany({
    orderBy: { version: "desc" },
    include: {
      createdBy: person,
      publishedBy: person,
      _count: { select: { rules: true } },
    },
  });
  const editorIds = [...new Set(versions.flatMap((v) => v.editorIds))];
  const users = await db.user.findMany({
    where: { id: { in: editorIds } },
    select: { id: true, name: true },
  });
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  return versions.map((v) => ({
    id: v.id,
    version: v.version,
    status: v.status,
    origin: v.origin,
    basedOnVersion: v.basedOnVersion,
    note: v.note,
    rules: v._count.rules,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    author: v.createdBy?.name ?? null,
    editors: v.editorIds.map((id) => nameOf.get(id) ?? "a former user"),
    /** the editor ids, so the page can tell whether the viewer may publish */
    editorIds: v.editorIds,
    createdById: v.createdById,
    publishedAt: v.publishedAt,
    publishedBy: v.publishedBy?.name ?? null,
    publishReason: v.publishReason,
    supersededAt: v.supersededAt,
  }));
}
export type TMatrixVersionRow = Awaited<ReturnType<typeof listMatrixVersions>>[number];

async function rulesOfVersion(matrixVersionId: string) {
  const rules = await db.policyRule.findMany({
    where: { matrixVersionId },
    include: { actionType: true },
    orderBy: { actionType: { key: "asc" } },
  });
  return rules.map((r) => ({
    actionType: r.actionType.key,
    actionName: r.actionType.name,
    fields: r.actionType.fields,
    ...ruleSettingsOf(r),
  }));
}

/**
 * One version with its rules, the approver groups (names for keys), and — for a draft or any
 * version not active — its diff against the active version.
 */
export async function getMatrixVersion(id: string) {
  const [all, groups, actionTypes] = await Promise.all([
    listMatrixVersions(),
    db.approverGroup.findMany({ select: { key: true, name: true }, orderBy: { name: "asc" } }),
    db.actionType.findMany({
      select: { key: true, name: true, fields: true },
      orderBy: { key: "asc" },
    }),
  ]);
  const version = all.find((v) => v.id === id);
  if (!version) throw notFound("The matrix version");
  const active = all.find((v) => v.status === "active") ?? null;
  const rules = await rulesOfVersion(id);
  const activeRules = active && active.id !== id ? await rulesOfVersion(active.id) : null;
  return {
    version,
    active: active ? { id: active.id, version: active.version } : null,
    rules,
    diff: activeRules
      ? diffMatrix(activeRules, rules, (k) => groups.find((g) => g.key === k)?.name ?? k)
      : [],
    groups,
    actionTypes,
  };
}
export type TMatrixVersionDetail = Awaited<ReturnType<typeof getMatrixVersion>>;
