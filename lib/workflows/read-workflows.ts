import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import type { TChangeWindow } from "@/lib/policy/types";
import { baselineOf, canaryOf } from "./versions";

const DAY = 86_400_000;

/** Requests each version took in the last 7 and 30 days (ActionRequest.workflowVersionId). */
async function requestCounts(versionIds: string[], now: Date) {
  if (versionIds.length === 0) return new Map<string, { last7: number; last30: number }>();
  const rows = await db.$queryRaw<{ id: string; last7: bigint; last30: bigint }[]>`
    select "workflowVersionId" as id,
      count(*) filter (where "createdAt" >= ${new Date(now.getTime() - 7 * DAY)}) as last7,
      count(*) as last30
    from "ActionRequest"
    where "workflowVersionId" = any(${versionIds})
      and "createdAt" >= ${new Date(now.getTime() - 30 * DAY)}
    group by 1`;
  return new Map(rows.map((r) => [r.id, { last7: Number(r.last7), last30: Number(r.last30) }]));
}

/** A workflow's switch as the kill-switch board's rows have it (kill-switches.ts listKillSwitches). */
async function killSwitchOf(wf: { id: string; key: string; name: string }) {
  const s = await db.killSwitch.findUnique({
    where: { scopeKey: `workflow:${wf.id}` },
    include: { engagedBy: { select: { name: true } }, resetBy: { select: { name: true } } },
  });
  return {
    scope: "workflow" as const,
    target: wf.key,
    name: wf.name,
    label: `Workflow: ${wf.name}`,
    engaged: s?.engaged ?? false,
    reason: s?.reason ?? null,
    engagedAt: s?.engagedAt ?? null,
    engagedBy: s?.engagedBy?.name ?? null,
    resetAt: s?.resetAt ?? null,
    resetBy: s?.resetBy?.name ?? null,
    resetReason: s?.resetReason ?? null,
  };
}

/** A version route's two ids must agree: a version of another workflow is not found here. */
export async function assertVersionOf(workflowId: string, versionId: string) {
  const v = await db.workflowVersion.findUnique({
    where: { id: versionId },
    select: { workflowId: true },
  });
  if (!v || v.workflowId !== workflowId) throw notFound("The workflow version");
}

/** Every workflow: its owner, baseline, canary, open draft, switch and last week's requests. */
export async function listWorkflows(now = new Date()) {
  const [workflows, switches] = await Promise.all([
    db.workflow.findMany({
      orderBy: { name: "asc" },
      include: {
        owner: { select: { name: true } },
        versions: {
          select: { id: true, version: true, status: true, rolloutPercent: true },
          orderBy: { version: "asc" },
        },
      },
    }),
    db.killSwitch.findMany({ where: { scope: "workflow", engaged: true } }),
  ]);
  const counts = await requestCounts(
    workflows.flatMap((w) => w.versions.map((v) => v.id)),
    now,
  );
  const engaged = new Set(switches.map((s) => s.scopeKey));
  return workflows.map((w) => {
    const canary = canaryOf(w.versions);
    return {
      id: w.id,
      key: w.key,
      name: w.name,
      owner: w.owner.name,
      baseline: baselineOf(w.versions)?.version ?? null,
      canary: canary ? { version: canary.version, rolloutPercent: canary.rolloutPercent } : null,
      draft: w.versions.find((v) => v.status === "draft")?.version ?? null,
      killSwitchEngaged: engaged.has(`workflow:${w.id}`),
      requests7d: w.versions.reduce((n, v) => n + (counts.get(v.id)?.last7 ?? 0), 0),
    };
  });
}
export type TWorkflowRow = Awaited<ReturnType<typeof listWorkflows>>[number];

/** One workflow for its page: versions (names, not ids), their request counts, its kill switch. */
export async function getWorkflow(id: string, now = new Date()) {
  const wf = await db.workflow.findUnique({
    where: { id },
    include: {
      owner: { select: { name: true } },
      versions: {
        orderBy: { version: "desc" },
        include: {
          publishedBy: { select: { name: true } },
          createdBy: { select: { name: true } },
        },
      },
    },
  });
  if (!wf) throw notFound("The workflow");
  const [counts, killSwitch, actionTypes] = await Promise.all([
    requestCounts(
      wf.versions.map((v) => v.id),
      now,
    ),
    killSwitchOf(wf),
    db.actionType.findMany({ orderBy: { key: "asc" }, select: { key: true, name: true } }),
  ]);
  const baseline = baselineOf(wf.versions);
  const canary = canaryOf(wf.versions);
  return {
    workflow: {
      id: wf.id,
      key: wf.key,
      name: wf.name,
      description: wf.description,
      owner: wf.owner.name,
    },
    baselineId: baseline?.id ?? null,
    canaryId: canary?.id ?? null,
    versions: wf.versions.map((v) => ({
      id: v.id,
      version: v.version,
      status: v.status as "draft" | "published" | "retired",
      rolloutPercent: v.rolloutPercent,
      actionTypes: v.actionTypes,
      changeWindows: (Array.isArray(v.changeWindows)
        ? v.changeWindows
        : []) as unknown as TChangeWindow[],
      notes: v.notes,
      createdAt: v.createdAt,
      createdBy: v.createdBy?.name ?? null,
      publishedAt: v.publishedAt,
      publishedBy: v.publishedBy?.name ?? null,
      retiredAt: v.retiredAt,
      requests: counts.get(v.id) ?? { last7: 0, last30: 0 },
    })),
    killSwitch,
    actionTypes,
  };
}
export type TWorkflowDetail = Awaited<ReturnType<typeof getWorkflow>>;
