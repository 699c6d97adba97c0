import "server-only";
import { Prisma } from "@/lib/db";

/**
 * pg-boss's own job INSERT (pg-boss 10.4.2, `insertJobs` in src/plans.js, as `boss.insert` runs
 * it with this app's constructor options: no expireIn, retention or retry defaults) for jobs
 * whose rows come from the caller's statement, so a producer can queue work in the same
 * statement — and commit — as the change that calls for it. `rows` is a query with the columns
 * `data` (jsonb, the payload as the registry's schema parses it) and `singleton_key` (text).
 * Every other column is what pg-boss would write: the queue's policy, retry, expiry, retention
 * and dead letter, `start_after` now. A job already waiting under its singleton key is not
 * queued twice (ON CONFLICT DO NOTHING, as pg-boss). Use it as a data-modifying CTE; it returns
 * the new jobs' ids. `jobs.int.test.ts` compares its rows with pg-boss's own.
 */
export function jobInsertSql(queue: string, rows: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    insert into pgboss.job (id, name, data, priority, start_after, singleton_key, singleton_on,
      dead_letter, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
    select gen_random_uuid(), q.name, j.data, 0, now(), j.singleton_key, null, q.dead_letter,
      coalesce(q.expire_seconds * interval '1s', interval '15 minutes'),
      now() + cast(coalesce((q.retention_minutes * 60)::text, '14 days') as interval),
      coalesce(q.retry_limit, 2),
      case when coalesce(q.retry_backoff, false) then greatest(q.retry_delay, 1)
        else coalesce(q.retry_delay, 0) end,
      coalesce(q.retry_backoff, false), q.policy
    from (${rows}) j join pgboss.queue q on q.name = ${queue}::text
    on conflict do nothing
    returning id`;
}
