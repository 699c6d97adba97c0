import "server-only";
import { db } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";

/** The anomalies page's list: newest first, with names and who acknowledged. */
export async function listAnomalies(take = 200) {
  const rows = await db.anomaly.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    include: {
      agent: { select: { name: true, slug: true } },
      environment: { select: { name: true } },
      actionType: { select: { key: true, name: true } },
      acknowledgedBy: { select: { name: true } },
    },
  });
  return rows.map((a) => ({
    id: a.id,
    agentId: a.agentId,
    agent: a.agent.name,
    environment: a.environment.name,
    actionType: a.actionType.name,
    actionTypeKey: a.actionType.key,
    windowStart: a.windowStart.toISOString(),
    windowEnd: a.windowEnd.toISOString(),
    observed: a.observed,
    expected: a.baseline,
    scale: a.scale,
    score: a.score,
    zThreshold: a.zThreshold,
    minCount: a.minCount,
    peakObserved: a.peakObserved,
    peakScore: a.peakScore,
    action: a.action,
    actionDetail: a.actionDetail,
    createdAt: a.createdAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    endedAt: a.endedAt?.toISOString() ?? null,
    acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: a.acknowledgedBy?.name ?? null,
  }));
}
export type TAnomalyRow = Awaited<ReturnType<typeof listAnomalies>>[number];

/** What the console's banner shows: anomalies nobody has acknowledged yet. */
export async function unacknowledgedAnomalies() {
  const [count, latest] = await Promise.all([
    db.anomaly.count({ where: { acknowledgedAt: null } }),
    db.anomaly.findFirst({
      where: { acknowledgedAt: null },
      orderBy: { createdAt: "desc" },
      include: {
        agent: { select: { name: true } },
        actionType: { select: { name: true } },
      },
    }),
  ]);
  return {
    count,
    latest: latest
      ? {
          id: latest.id,
          agent: latest.agent.name,
          actionType: latest.actionType.name,
          action: latest.action,
          createdAt: latest.createdAt.toISOString(),
        }
      : null,
  };
}

/**
 * A person has seen an anomaly (and taken it from the banner). Guarded: of two people at once,
 * one acknowledges and the other is told it already was.
 */
export async function acknowledgeAnomaly(
  id: string,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  return db.$transaction(async (tx) => {
    const a = await tx.anomaly.findUnique({
      where: { id },
      include: {
        agent: { select: { name: true, environment: { select: { slug: true } } } },
        actionType: { select: { key: true } },
      },
    });
    if (!a) throw notFound(`Anomaly "${id}"`);
    const done = await tx.anomaly.updateMany({
      where: { id, acknowledgedAt: null },
      data: { acknowledgedAt: new Date(), acknowledgedById: actorUserId },
    });
    if (!done.count)
      throw new AppError("already_acknowledged", "This anomaly was already acknowledged");
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "anomaly.acknowledged",
      subjectId: id,
      environmentId: a.environmentId,
      payload: {
        agent: `${a.agent.name} (${a.agent.environment.slug})`,
        actionType: a.actionType.key,
      },
      context,
    });
    return { id };
  });
}
