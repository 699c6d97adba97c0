import "server-only";
import type pg from "pg";
import { connectRuntimeClient } from "@/lib/db";
import { LEADER_HANDLERS, type TJobContext } from "./handlers";
import { LEADER_LOG_MS, LEADER_NAMES, LEADERS, type TLeaderName } from "./registry";

export type TLeaderLoops = {
  /** the loops this process leads now (for tests and the log) */
  leading: () => TLeaderName[];
  stop: () => Promise<void>;
};

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A candidate for every leader loop of the registry (LEADERS) in this process. Each holds a
 * connection of its own, asks for its session-level advisory lock every `retryMs` and, once it
 * has it, runs the step every `everyMs` on that connection until it stops or the connection
 * fails — then it lets go (ends the connection, which releases the lock) and becomes a
 * candidate again. A process killed outright loses its connection, and with it the lock.
 */
export function startLeaderLoops(ctx: TJobContext & { appName?: string }): TLeaderLoops {
  let stopped = false;
  const leading = new Set<TLeaderName>();
  const wakers = new Set<() => void>();
  // a pause that stop() cuts short
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  const loop = async (name: TLeaderName) => {
    const def = LEADERS[name];
    const appName = `tollgate-leader:${def.lock}:${ctx.appName ?? ctx.workerId}`.slice(0, 63);
    let lastError = "";
    while (!stopped) {
      let client: pg.Client | null = null;
      try {
        client = await connectRuntimeClient(appName);
        while (!stopped && !(await tryLock(client, def.lock))) await pause(def.retryMs);
        if (stopped) break;
        leading.add(name);
        lastError = "";
        ctx.log(`${def.lock}: leading`);
        const step = LEADER_HANDLERS[name](ctx);
        let sum = 0;
        let loggedAt = Date.now();
        while (!stopped) {
          const started = Date.now();
          sum += (await step(client)) || 0;
          if (sum && Date.now() - loggedAt >= LEADER_LOG_MS) {
            ctx.log(`${def.label}: ${sum}`);
            sum = 0;
            loggedAt = Date.now();
          }
          await pause(Math.max(0, def.everyMs - (Date.now() - started)));
        }
        if (sum) ctx.log(`${def.label}: ${sum}`);
      } catch (e) {
        // the same failure again and again (a database that is down) is logged once
        const why = message(e);
        if (!stopped && why !== lastError) ctx.log(`${def.lock}: ${why}; a candidate again`);
        lastError = why;
      } finally {
        if (leading.delete(name) && !stopped) ctx.log(`${def.lock}: no longer leading`);
        // ending the session releases a held lock
        await client?.end().catch(() => {});
      }
      if (!stopped) await pause(def.retryMs);
    }
  };

  const loops = LEADER_NAMES.map((name) => loop(name));
  return {
    leading: () => [...leading],
    stop: async () => {
      stopped = true;
      for (const wake of [...wakers]) wake();
      await Promise.all(loops);
    },
  };
}

async function tryLock(client: pg.Client, lock: string): Promise<boolean> {
  const { rows } = await client.query<{ got: boolean }>(
    `select pg_try_advisory_lock(hashtext('tollgate'), hashtext($1)) as got`,
    [lock],
  );
  return rows[0].got;
}
