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
 * Count one call against an agent's fixed window in PostgreSQL, so every app instance on the
 * database shares the same counter: one atomic upsert, no read-then-write race.
 */
export async function consumeRate(
  agentId: string,
  w: TRateWindow,
  now = new Date(),
): Promise<TRateResult> {
  const span = WINDOW_MS[w.kind];
  const windowStart = new Date(Math.floor(now.getTime() / span) * span);
  const resetAt = new Date(windowStart.getTime() + span);
  const [row] = await db.$queryRaw<{ count: number }[]>`
    insert into "RateLimitCounter" ("agentId", kind, "windowStart", count)
    values (${agentId}, ${w.kind}, ${windowStart}, 1)
    on conflict ("agentId", kind, "windowStart") do update set count = "RateLimitCounter".count + 1
    returning count`;
  const used = Number(row.count);
  const allowed = used <= w.limit;
  return {
    allowed,
    used,
    limit: w.limit,
    resetAt,
    retryAfterSeconds: allowed
      ? 0
      : Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
  };
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
