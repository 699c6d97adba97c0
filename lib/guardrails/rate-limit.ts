import { db } from "@/lib/db";

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

/** Old windows are useless; called now and then so the table stays small. */
export async function pruneRateCounters(now = new Date()) {
  await db.rateLimitCounter.deleteMany({
    where: { windowStart: { lt: new Date(now.getTime() - 2 * WINDOW_MS.writes_hour) } },
  });
}
