import "server-only";
import { db, Prisma } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { env } from "@/lib/env";
import { figures } from "@/lib/metrics";
import { COUNTERS } from "@/lib/metrics/histogram";

const DAY = 24 * 3_600_000;

/** Monday 00:00 UTC of the week before the one `now` is in: the last complete week. */
export function lastCompleteWeek(now: Date): Date {
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const sinceMonday = (new Date(today).getUTCDay() + 6) % 7;
  return new Date(today - (sinceMonday + 7) * DAY);
}

const pct = (r: number | null) => (r === null ? "–" : `${(r * 100).toFixed(1)}%`);

/**
 * The digest of a week (Monday 00:00 UTC + 7 days): per agent its requests, succeeded writes,
 * reversal and exception rates — summed from the metrics rollup (MetricDay) and turned into
 * figures by lib/metrics' own `figures`, so they read as the dashboard's — the anomalies the
 * week opened, and the exception queue as it stands now (open dead letters, halted requests,
 * requests waiting for a person past their SLA).
 */
export async function buildDigest(week: Date, now = new Date()) {
  const end = new Date(week.getTime() + 7 * DAY);
  const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;
  const rows = await db.$queryRaw<({ agentId: string } & Record<string, number>)[]>`
    select "agentId", ${Prisma.raw(COUNTERS.map((c) => `sum("${c}")::float8 as "${c}"`).join(", "))}
    from "MetricDay" where day >= ${utc(week)} and day < ${utc(end)}
    group by 1`;
  const agents = await db.agent.findMany({
    where: { id: { in: rows.map((r) => r.agentId) } },
    select: { id: true, name: true, environment: { select: { name: true } } },
  });
  const [deadLetters, halted, pastSla, anomalies] = await Promise.all([
    db.deadLetter.count({ where: { resolvedAt: null } }),
    db.actionRequest.count({ where: { status: "halted" } }),
    db.actionRequest.count({ where: { status: "pending_approval", slaDueAt: { lt: now } } }),
    db.anomaly.count({ where: { createdAt: { gte: week, lt: end } } }),
  ]);
  const perAgent = rows
    .map((r) => {
      const a = agents.find((x) => x.id === r.agentId);
      const f = figures({ ...r, decisionHist: [], cycleHist: [] } as unknown as Parameters<
        typeof figures
      >[0]);
      return {
        agentId: r.agentId,
        agent: a ? `${a.name} (${a.environment.name})` : r.agentId,
        requests: f.proposed,
        succeeded: f.writes,
        reversalRate: f.reversalRate,
        exceptionRate: f.exceptionRate,
      };
    })
    .sort((a, b) => b.requests - a.requests || a.agent.localeCompare(b.agent));
  const queue = { openDeadLetters: deadLetters, halted, pendingPastSla: pastSla };
  // the console's one time format ("2026-12-02 14:05 UTC"): the text is shown there too
  const at = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const lines = [
    `*Tollgate weekly digest* — ${at(week)} to ${at(end)}`,
    ...(perAgent.length
      ? perAgent.map(
          (a) =>
            `• ${a.agent}: ${a.requests} requests, ${a.succeeded} succeeded, reversal ${pct(a.reversalRate)}, exceptions ${pct(a.exceptionRate)}`,
        )
      : ["• No agent proposed anything this week."]),
    `Exception queue now: ${queue.openDeadLetters} open dead letters, ${queue.halted} halted, ${queue.pendingPastSla} waiting past their SLA.`,
    `Anomalies opened this week: ${anomalies}.`,
  ];
  return {
    week: week.toISOString(),
    text: lines.join("\n"),
    figures: { perAgent, queue, anomalies },
  };
}
export type TDigest = Awaited<ReturnType<typeof buildDigest>>;

/**
 * Send the digest of the last complete week. The schedule's send is once per week: the row
 * goes in with the webhook and the audit event in one transaction, and a partial unique index
 * on the week refuses a second (another worker, a retry) — which then sends nothing. A person's
 * "send now" is always sent, marked as theirs. Returns the digest row, or null when the week's
 * scheduled digest was already sent.
 */
export async function sendWeeklyDigest(
  opts: {
    now?: Date;
    trigger?: "schedule" | "person";
    requestedById?: string | null;
    context?: TRequestContext | null;
  } = {},
) {
  const now = opts.now ?? new Date();
  const trigger = opts.trigger ?? "schedule";
  const week = lastCompleteWeek(now);
  if (
    trigger === "schedule" &&
    (await db.weeklyDigest.findFirst({ where: { week, trigger: "schedule" } }))
  )
    return null;
  const digest = await buildDigest(week, now);
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.weeklyDigest.create({
        data: {
          week,
          trigger,
          requestedById: opts.requestedById ?? null,
          text: digest.text,
          figures: digest.figures as unknown as Prisma.InputJsonValue,
          status: "not_configured",
        },
      });
      const group = await tx.approverGroup.findUnique({
        where: { key: env().TOLLGATE_DIGEST_GROUP },
        select: { key: true, webhookUrl: true },
      });
      let deliveryId: string | null = null;
      if (group?.webhookUrl) {
        const d = await tx.webhookDelivery.create({
          data: {
            kind: "weekly_digest",
            target: `group:${group.key}`,
            url: group.webhookUrl,
            payload: {
              text: digest.text,
              type: "digest.weekly",
              digestId: row.id,
              week: digest.week,
              ...digest.figures,
              at: now.toISOString(),
            } as unknown as Prisma.InputJsonValue,
          },
        });
        deliveryId = d.id;
      }
      const done = await tx.weeklyDigest.update({
        where: { id: row.id },
        data: { status: deliveryId ? "queued" : "not_configured", webhookDeliveryId: deliveryId },
      });
      await writeAuditEvent(tx, {
        actor: opts.requestedById
          ? { type: "user", userId: opts.requestedById }
          : { type: "system" },
        action: "digest.sent",
        subjectId: row.id,
        payload: {
          week: digest.week,
          trigger,
          status: done.status,
          agents: digest.figures.perAgent.length,
        },
        context: opts.context,
      });
      return done;
    });
  } catch (e) {
    // the week's scheduled digest went in meanwhile (another worker): nothing more to send
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") return null;
    throw e;
  }
}

/** The last digests sent, newest first, with who asked for a person's. */
export async function listDigests(take = 8) {
  const rows = await db.weeklyDigest.findMany({
    orderBy: { createdAt: "desc" },
    take,
    include: { requestedBy: { select: { name: true } } },
  });
  const deliveries = await db.webhookDelivery.findMany({
    where: { id: { in: rows.flatMap((r) => (r.webhookDeliveryId ? [r.webhookDeliveryId] : [])) } },
    select: { id: true, status: true, lastError: true, deliveredAt: true },
  });
  return rows.map((r) => {
    const d = deliveries.find((x) => x.id === r.webhookDeliveryId);
    return {
      id: r.id,
      week: r.week.toISOString(),
      trigger: r.trigger,
      requestedBy: r.requestedBy?.name ?? null,
      text: r.text,
      status: r.status,
      delivery: d
        ? {
            status: d.status,
            lastError: d.lastError,
            deliveredAt: d.deliveredAt?.toISOString() ?? null,
          }
        : null,
      createdAt: r.createdAt.toISOString(),
    };
  });
}
export type TDigestRow = Awaited<ReturnType<typeof listDigests>>[number];
