import "server-only";
import { db } from "@/lib/db";
import { auditAppendSql } from "@/lib/audit";

export type TRateWindow = { kind: "calls_minute" | "writes_hour"; limit: number };
export type TRateResult = {
  allowed: boolean;
  used: number;
  limit: number;
  resetAt: Date;
  retryAfterSeconds: number;
};

const WINDOW_MS = { calls_minute: 60_000, writes_hour: 3_600_000 } as const;

/**
 * Count one call against each of an agent's fixed windows in PostgreSQL, so every app
 * instance on the database shares the counters: one atomic upsert statement, no
 * read-then-write race. Results come back in the order of `windows`.
 */
export async function consumeRates(
  agentId: string,
  windows: TRateWindow[],
  now = new Date(),
): Promise<TRateResult[]> {
  const starts = windows.map(
    (w) => new Date(Math.floor(now.getTime() / WINDOW_MS[w.kind]) * WINDOW_MS[w.kind]),
  );
  const rows = await db.$queryRaw<{ kind: string; count: number }[]>`
    insert into "RateLimitCounter" ("agentId", kind, "windowStart", count)
    select ${agentId}, t.k, t.s at time zone 'UTC', 1
    from unnest(${windows.map((w) => w.kind)}::text[], ${starts.map((d) => d.toISOString())}::timestamptz[]) as t(k, s)
    on conflict ("agentId", kind, "windowStart") do update set count = "RateLimitCounter".count + 1
    returning kind, count`;
  return windows.map((w, i) => {
    const used = Number(rows.find((r) => r.kind === w.kind)!.count);
    const resetAt = new Date(starts[i].getTime() + WINDOW_MS[w.kind]);
    const allowed = used <= w.limit;
    const wait = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
    return { allowed, used, limit: w.limit, resetAt, retryAfterSeconds: allowed ? 0 : wait };
  });
}

export async function consumeRate(agentId: string, w: TRateWindow, now = new Date()) {
  return (await consumeRates(agentId, [w], now))[0];
}

/** Current usage without counting (for /me). */
export async function peekRate(agentId: string, w: TRateWindow, now = new Date()) {
  const span = WINDOW_MS[w.kind];
  const windowStart = new Date(Math.floor(now.getTime() / span) * span);
  const row = await db.rateLimitCounter.findUnique({
    where: { agentId_kind_windowStart: { agentId, kind: w.kind, windowStart } },
  });
  const used = row?.count ?? 0;
  return {
    used,
    limit: w.limit,
    remaining: Math.max(0, w.limit - used),
    resetAt: new Date(windowStart.getTime() + span),
  };
}

/** Refusals are counted per agent and minute under this kind, beside the usage counters. */
const REFUSED_KIND = "refused_minute";
const REFUSALS_KEPT_MS = 30 * 86_400_000;

/**
 * A request refused with 429 is counted, not stored: one statement upserts the agent's refusal
 * counter for this minute and, for the first refusal of the minute only, appends one audit event
 * (with the limit that was hit). A flood of refused calls so grows the database by one row a minute at most.
 */
export async function recordRateRefusal(
  agent: { id: string; environmentId: string },
  detail: string,
  now = new Date(),
): Promise<number> {
  const windowStart = new Date(
    Math.floor(now.getTime() / WINDOW_MS.calls_minute) * WINDOW_MS.calls_minute,
  );
  // one statement, no transaction to wait for: a flood of refusals must not queue on the pool
  const audit = auditAppendSql({
    actor: { type: "agent", agentId: agent.id },
    action: "agent.rate_limited",
    subjectId: agent.id,
    environmentId: agent.environmentId,
    reasonText: detail,
    payload: { windowStart: windowStart.toISOString(), counter: REFUSED_KIND },
    at: now,
  });
  const [row] = await db.$queryRaw<{ count: number }[]>`
    with c as (
      insert into "RateLimitCounter" ("agentId", kind, "windowStart", count)
      values (${agent.id}, ${REFUSED_KIND}, ${windowStart.toISOString()}::timestamptz at time zone 'UTC', 1)
      on conflict ("agentId", kind, "windowStart") do update set count = "RateLimitCounter".count + 1
      returning count
    )
    select c.count, case when c.count = 1 then (select a.id from (${audit}) a) end as "auditId"
    from c`;
  return Number(row.count);
}

/**
 * Old usage windows are useless; called now and then so the table stays small. Refusal counts
 * are kept 30 days, for the record of what an agent tried.
 */
export async function pruneRateCounters(now = new Date()): Promise<number> {
  const { count } = await db.rateLimitCounter.deleteMany({
    where: {
      OR: [
        {
          kind: { not: REFUSED_KIND },
          windowStart: { lt: new Date(now.getTime() - 2 * WINDOW_MS.writes_hour) },
        },
        { windowStart: { lt: new Date(now.getTime() - REFUSALS_KEPT_MS) } },
      ],
    },
  });
  return count;
}
