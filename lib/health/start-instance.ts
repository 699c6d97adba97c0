import "server-only";
import { hostname } from "node:os";
import { env } from "@/lib/env";
import { startKillSwitchListener } from "@/lib/guardrails/kill-switch-listener";
import { giveBackHeldPlaces } from "@/lib/guardrails/rate-limit";
import { startHeartbeat, type TInstanceKind } from "./heartbeat";

export type TRunningInstance = { id: string; stop: () => Promise<void> };

/**
 * What every Tollgate process runs beside its work: a row in the registry of live instances,
 * beaten every TOLLGATE_HEARTBEAT_MS (heartbeat.ts), and the kill-switch LISTEN connection
 * that keeps this process's switches in memory and acknowledges trips
 * (lib/guardrails/kill-switch-listener.ts). A trip waits for every live instance.
 */
export async function startInstance(opts: {
  kind: TInstanceKind;
  id: string;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<TRunningInstance> {
  const heartbeat = await startHeartbeat(opts);
  const listener = await startKillSwitchListener({
    instanceId: opts.id,
    log: opts.log ? (l) => opts.log!(`kill switches: ${l}`) : undefined,
    onLive: heartbeat.setListening,
  });
  return {
    id: opts.id,
    stop: async () => {
      // calls counted ahead for fast agents, unused: back to the shared counters
      await giveBackHeldPlaces();
      await listener.stop();
      await heartbeat.stop();
    },
  };
}

const holder = globalThis as unknown as { __tollgateWebInstance?: Promise<TRunningInstance> };

/**
 * The web server's instance (instrumentation.ts calls this once per `next start` process). Not
 * without DATABASE_URL (a build, or a page rendered with no database). Stopping on SIGTERM and
 * SIGINT removes its row, so a trip does not wait for a server that is gone.
 */
export function startWebInstance(): Promise<TRunningInstance> | null {
  if (!env().DATABASE_URL) return null;
  holder.__tollgateWebInstance ??= (async () => {
    const id = `web:${hostname()}:${process.pid}`;
    const instance = await startInstance({
      kind: "web",
      id,
      log: (l) => console.log(`[tollgate ${id}] ${l}`),
    });
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        // Next's own handler (if any) shuts the server down meanwhile; alone, the signal's
        // default (exit) is kept by sending it again once the row is gone
        const alone = process.listenerCount(signal) === 0;
        void instance
          .stop()
          .catch(() => {})
          .finally(() => alone && process.kill(process.pid, signal));
      });
    }
    return instance;
  })();
  return holder.__tollgateWebInstance;
}
