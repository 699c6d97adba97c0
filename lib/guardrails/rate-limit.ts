import "server-only";
import { Prisma, db, preparedQuery } from "@/lib/db";
import { auditAppendSql } from "@/lib/audit";
import { coalesce } from "@/lib/core/coalesce";
import { AHEAD_SHARE, IDLE_MS, RateLeases } from "./rate-lease";

export type TRateWindow = { kind: "calls_minute" | "writes_hour"; limit: number };
export type TRateResult = {
  allowed: boolean;
  used: number;
  limit: number;
  resetAt: Date;
  retryAfterSeconds: number;
};

const WINDOW_MS = { calls_minute: 60_000, writes_hour: 3_600_000 } as const;

/** `existing`: the key was used before (a replay, not counted); `giveBack` uncounts the call. */
type TAdmission = { existing: boolean; rates: TRateResult[]; giveBack: () => void };
type TCounted = {
  windows: TRateWindow[];
  starts: Date[];
  now: Date;
  idempotencyKey: string | null;
};

const leases = new RateLeases();
/** The `giveBack` of a call a statement counted (and looked up by its key): nothing to give. */
export const noGiveBack = () => {};

/**
 * Count one call against each of an agent's fixed windows in PostgreSQL, so every app instance
 * on the database shares the counters: one atomic upsert, no read-then-write race. With an
 * idempotency key, the same statement first looks for the agent's request under that key: if
 * there is one the call is a replay, answered as it was and not counted (`existing`).
 *
 * Calls of one agent to the same windows that arrive while its previous statement is in flight
 * go together in the next one (`coalesce`): the counter row is locked until its commit is
 * flushed, so one statement per call would serialise an agent at one disk flush per call. The
 * batch adds its count at once and each call gets its own exact position (count − n + i), so
 * the limit admits exactly as many calls as before, across instances too. Results come back in
 * the order of `windows`.
 *
 * An agent calling fast (rate-lease.ts) has the statement count a few calls ahead, a small share
 * of what its windows have left, and its next calls take those places here without a
 * statement: still each at an exact position, so never over a limit. Such a call is not looked
 * up by its key: its replay is found when its insert meets the (agent, key) constraint
 * (persist-action-request.ts), and the caller then uncounts it (`giveBack`). Places left unused
 * for a second are given back to the counters, and all of them when the instance stops
 * (`giveBackHeldPlaces`); those of a process that dies, or that the database did not take
 * back, stay counted until their window ends: the agent is refused early by at most that many
 * calls, never late. The share counted ahead is sized from the counters as the statement
 * found them, so many instances' statements on one agent at once may together count places
 * past a limit: a call at such a place is refused like any call past it (`rateAt` compares
 * its position with the limit), and what is left goes back with the sweep.
 */
export async function admitCall(
  agentId: string,
  windows: TRateWindow[],
  now = new Date(),
  idempotencyKey: string | null = null,
): Promise<TAdmission> {
  const starts = windows.map(
    (w) => new Date(Math.floor(now.getTime() / WINDOW_MS[w.kind]) * WINDOW_MS[w.kind]),
  );
  const key = [agentId, ...windows.map((w, i) => `${w.kind}@${starts[i].getTime()}`)].join("|");
  const call = { windows, starts, now, idempotencyKey };
  return fromLease(key, call) ?? admitCoalesced(key, call);
}

/** The call at a place counted ahead for its key, or null. */
function fromLease(key: string, c: TCounted): TAdmission | null {
  const place = leases.take(
    key,
    c.windows.map((w) => w.limit),
    Date.now(),
  );
  if (!place) return null;
  return {
    existing: false,
    rates: c.windows.map((w, j) => rateAt(w, c.starts[j], place.positions[j], c.now)),
    giveBack: place.giveBack,
  };
}

function rateAt(w: TRateWindow, start: Date, used: number, now: Date): TRateResult {
  const resetAt = new Date(start.getTime() + WINDOW_MS[w.kind]);
  const allowed = used <= w.limit;
  const wait = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
  return { allowed, used, limit: w.limit, resetAt, retryAfterSeconds: allowed ? 0 : wait };
}

const admitCoalesced = coalesce<TCounted, TAdmission>(async (key, batch) => {
  // calls that queued while the previous statement ran take what it counted ahead first
  const served = batch.map((c) => fromLease(key, c));
  const calls = batch.filter((_, i) => !served[i]);
  if (!calls.length) return served as TAdmission[];
  const agentId = key.slice(0, key.indexOf("|"));
  const { windows, starts } = calls[0];
  const ahead = leases.aheadWanted(key, calls.length, Date.now());
  const [row] = await preparedQuery<{
    fresh: number[];
    counts: Record<string, number>;
    ahead: number;
  }>(Prisma.sql`
    with call as (
      select k, ord::int from unnest(${calls.map((c) => c.idempotencyKey)}::text[]) with ordinality as c(k, ord)
    ), fresh as (
      select ord from call
      where k is null or not exists (
        select 1 from "ActionRequest" a where a."agentId" = ${agentId} and a."idempotencyKey" = call.k)
    ), n as (select count(*)::int as n from fresh),
    w as (
      select k, s at time zone 'UTC' as s, l
      from unnest(${windows.map((w) => w.kind)}::text[], ${starts.map((d) => d.toISOString())}::timestamptz[],
        ${windows.map((w) => w.limit)}::int[]) as w(k, s, l)
    ), ahead as (
      -- places counted ahead: a small share of what every window has left (none near a limit)
      select greatest(0, least(${ahead}::int, coalesce(min(floor((w.l - coalesce(c.count, 0) - n.n) / ${AHEAD_SHARE}::numeric)), 0)))::int as a
      from w cross join n
      left join "RateLimitCounter" c on c."agentId" = ${agentId} and c.kind = w.k and c."windowStart" = w.s
      where ${ahead}::int > 0
    ), counted as (
      insert into "RateLimitCounter" ("agentId", kind, "windowStart", count)
      select ${agentId}, w.k, w.s, n.n + coalesce((select a from ahead), 0)
      from w, n
      where n.n + coalesce((select a from ahead), 0) > 0
      on conflict ("agentId", kind, "windowStart") do update set count = "RateLimitCounter".count + excluded.count
      returning kind, count
    )
    select (select coalesce(array_agg(ord order by ord), '{}') from fresh) as fresh,
      (select coalesce(json_object_agg(kind, count), '{}') from counted) as counts,
      coalesce((select a from ahead), 0) as ahead`);
  const position = new Map(row.fresh.map((ord, i) => [ord - 1, i]));
  const n = row.fresh.length;
  const after = windows.map((w) => Number(row.counts[w.kind]));
  if (row.ahead > 0) {
    const base = after.map((count) => count - row.ahead + 1);
    leases.add(
      key,
      { agentId, kinds: windows.map((w) => w.kind), starts },
      { base, limits: windows.map((w) => w.limit) },
      row.ahead,
      Date.now(),
    );
    sweepSoon();
  }
  const counted = calls.map((c, i): TAdmission => {
    const at = position.get(i);
    return {
      existing: at === undefined,
      rates: windows.map((w, j) =>
        at === undefined
          ? rateAt(w, starts[j], 0, c.now)
          : rateAt(w, starts[j], after[j] - row.ahead - n + at + 1, c.now),
      ),
      giveBack: noGiveBack,
    };
  });
  return served.map((s) => s ?? counted.shift()!);
});

let sweeping: NodeJS.Timeout | null = null;

/** While places are held, every IDLE_MS / 2 the unused ones of idle leases go back. */
function sweepSoon() {
  if (sweeping) return;
  sweeping = setInterval(() => {
    const idle = leases.takeIdle(Date.now());
    if (!leases.size && sweeping) {
      clearInterval(sweeping);
      sweeping = null;
    }
    void giveBack(idle);
  }, IDLE_MS / 2);
  sweeping.unref();
}

/** Every place this process holds back to the counters: an instance stopping calls it. */
export function giveBackHeldPlaces(): Promise<void> {
  return giveBack(leases.takeIdle(Infinity, 0));
}

async function giveBack(held: ReturnType<RateLeases["takeIdle"]>) {
  await Promise.all(
    held.map((l) =>
      preparedQuery(Prisma.sql`
        update "RateLimitCounter" c set count = greatest(0, c.count - ${l.unused}::int)
        from unnest(${l.kinds}::text[], ${l.starts.map((d) => d.toISOString())}::timestamptz[]) as w(k, s)
        where c."agentId" = ${l.agentId} and c.kind = w.k and c."windowStart" = w.s at time zone 'UTC'`).catch(
        // not given back: the agent is refused early by these few calls until the window ends
        (e: unknown) => console.warn(`[tollgate] rate places not given back: ${String(e)}`),
      ),
    ),
  );
}

export async function consumeRates(
  agentId: string,
  windows: TRateWindow[],
  now = new Date(),
): Promise<TRateResult[]> {
  return (await admitCall(agentId, windows, now)).rates;
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
  const [row] = await preparedQuery<{ count: number }>(Prisma.sql`
    with c as (
      insert into "RateLimitCounter" ("agentId", kind, "windowStart", count)
      values (${agent.id}, ${REFUSED_KIND}, ${windowStart.toISOString()}::timestamptz at time zone 'UTC', 1)
      on conflict ("agentId", kind, "windowStart") do update set count = "RateLimitCounter".count + 1
      returning count
    )
    select c.count, case when c.count = 1 then (select a.id from (${audit}) a) end as "auditId"
    from c`);
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
