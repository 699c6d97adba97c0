import "server-only";
import { db, Prisma } from "@/lib/db";
import { REFUSED_STATUSES } from "@/lib/metrics";
import { BASELINE_DAYS, RECENT_HOURS } from "./score";

const HOUR = 3_600_000;
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;
const refused = Prisma.raw(REFUSED_STATUSES.map((s) => `'${s}'`).join(", "));

/** How far back the recent counts reach: the trailing hour (score.ts), the longest window. */
export const LOOKBACK_MINUTES = 60;

/** The baseline hours for `now`: the same hour on each of the previous days, and the last few. */
export function baselineHours(now: Date): Date[] {
  const h0 = Math.floor(now.getTime() / HOUR) * HOUR;
  const hours = new Set<number>();
  for (let d = 1; d <= BASELINE_DAYS; d++) hours.add(h0 - d * 24 * HOUR);
  for (let h = 1; h <= RECENT_HOURS; h++) hours.add(h0 - h * HOUR);
  return [...hours].sort((a, b) => a - b).map((t) => new Date(t));
}

export type TPairFigures = {
  agentId: string;
  actionTypeId: string;
  /** of the recent requests (null when the pair has none: an open episode's pair gone quiet) */
  environmentId: string | null;
  /** requests per minute ago (index 0 = the last minute), over the lookback */
  perMinute: number[];
  /** the baseline hours' counts, oldest first; hours before the pair's first are left out */
  hourly: number[];
};

/**
 * Every pair's figures in one statement, whatever the number of pairs: the recent requests per
 * minute (one range of the `createdAt` index over the lookback) for each agent × action type that
 * has any, and for each pair with an open episode; and, for those pairs, their counts in the
 * baseline hours from the metrics rollup (one range of MetricHour's hour index per baseline hour,
 * every pair at once; an hour without a row is a zero). A request counts as a write of its type
 * unless it was refused (denied, discarded, expired): the same rule on both sides, each as the
 * request stands now. Reverts and requests a person asked for are not the agent's own.
 */
export async function loadPairFigures(now: Date, lookback: number): Promise<TPairFigures[]> {
  const since = new Date(now.getTime() - lookback * 60_000);
  const hours = baselineHours(now).map((h) => h.toISOString());
  const query = db.$queryRaw<
    {
      agentId: string;
      actionTypeId: string;
      environmentId: string | null;
      ago: number[] | null;
      n: number[] | null;
      hourly: number[] | null;
    }[]
  >`
    with win as (
      select "agentId", "actionTypeId", min("environmentId") as env,
        array_agg(ago order by ago) as ago, array_agg(n order by ago) as n
      from (
        select "agentId", "actionTypeId", min("environmentId") as "environmentId",
          floor(extract(epoch from (${utc(now)} - "createdAt")) / 60)::int as ago,
          count(*)::int as n
        from "ActionRequest"
        where "createdAt" > ${utc(since)} and "createdAt" <= ${utc(now)}
          and "actionTypeId" is not null and "revertsId" is null and "requestedById" is null
          and status not in (${refused})
        group by 1, 2, 4) m
      group by 1, 2),
    pairs as (
      select "agentId", "actionTypeId" from win
      union
      select "agentId", "actionTypeId" from "Anomaly" where "endedAt" is null),
    hz as (
      select (at at time zone 'UTC')::timestamp(3) as hour from unnest(${hours}::timestamptz[]) at),
    base as (
      select m."agentId", m."actionTypeId", m.hour, sum(m.proposed - m.refused)::int as n
      from "MetricHour" m
      join pairs p on p."agentId" = m."agentId" and p."actionTypeId" = m."actionTypeId"
      where m.hour in (select hour from hz)
      group by 1, 2, 3),
    -- hours before the agent existed (or, for older history, before its first proposal of the
    -- type) are no samples
    firsts as (
      select p."agentId", p."actionTypeId", least(date_trunc('hour', ag."createdAt"), coalesce((
        select min(m.hour) from "MetricHour" m
        where m."agentId" = p."agentId" and m."actionTypeId" = p."actionTypeId"),
        'infinity'::timestamp)) as first
      from pairs p join "Agent" ag on ag.id = p."agentId"),
    hourly as (
      select f."agentId", f."actionTypeId", array_agg(coalesce(b.n, 0) order by hz.hour) as hourly
      from firsts f join hz on hz.hour >= f.first
      left join base b on b."agentId" = f."agentId" and b."actionTypeId" = f."actionTypeId"
        and b.hour = hz.hour
      group by 1, 2)
    select f."agentId", f."actionTypeId", w.env as "environmentId", w.ago, w.n, h.hourly
    from firsts f
    left join win w on w."agentId" = f."agentId" and w."actionTypeId" = f."actionTypeId"
    left join hourly h on h."agentId" = f."agentId" and h."actionTypeId" = f."actionTypeId"`;
  // the planner's estimate for a statement like this runs high, and compiling it (JIT) cost
  // seconds for milliseconds of execution (bench:anomaly); the hour's rows, grouped by pair and
  // minute, spilled to disk in the default 4 MB of sort memory
  const [, , rows] = await db.$transaction([
    db.$executeRaw`set local jit = off`,
    db.$executeRaw`set local work_mem = '32MB'`,
    query,
  ]);
  return rows.map((r) => {
    const perMinute: number[] = Array.from({ length: lookback }, () => 0);
    (r.ago ?? []).forEach((a, i) => {
      if (a >= 0 && a < lookback) perMinute[a] += r.n![i];
    });
    return {
      agentId: r.agentId,
      actionTypeId: r.actionTypeId,
      environmentId: r.environmentId,
      perMinute,
      hourly: r.hourly ?? [],
    };
  });
}
