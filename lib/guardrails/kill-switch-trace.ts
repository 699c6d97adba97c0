import { monitorEventLoopDelay, performance } from "node:perf_hooks";

/**
 * Where a trip's propagation goes inside one process, for bench:killswitch: with
 * TOLLGATE_KILL_SWITCH_TRACE set, the listener prints one line per trip it acknowledges,
 * `[kill-switch trace] {json}` on stdout. Off by default: a sampler timer runs while it is on.
 *
 * What a process can see of a notice's path: the wall clock when the listener thread's
 * notification callback ran (`noticedAt`; the bench compares it with the trip's commit and with
 * its own LISTEN's arrival) and when it had applied it; when the main thread took it over, how
 * long the main thread's event loop had been away just before (`stallMs`: since a 5 ms sampler
 * last ran — a synchronous chunk, or the process waiting for a core), its event-loop delay and
 * CPU over the window since the previous trip, and the acknowledgement's steps after it.
 */
export type TTraceLine = {
  instanceId: string;
  change: string;
  /** Date.now() as the listener thread's notification callback ran, and once it had applied it */
  noticedAt: number;
  appliedAt: number;
  /** Date.now() as the main thread took the thread's message (to drain and acknowledge) */
  mainAt: number;
  /** ms since the main thread's sampler last ran, as it took the message: how long its loop had been away */
  stallMs: number;
  /** event-loop delay (monitorEventLoopDelay) and CPU since the previous trip */
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  cpuPct: number;
  /** notice → nothing that passed the gate before is running */
  drainMs: number;
  /** the acknowledgement statement: waiting for the connection, then its round trip */
  ackQueuedMs: number;
  ackRoundTripMs: number;
};

export type TTraceStamp = Pick<
  TTraceLine,
  "noticedAt" | "stallMs" | "loopP50Ms" | "loopP99Ms" | "loopMaxMs" | "cpuPct"
>;

export type TKillSwitchTrace = {
  /** first thing as the main thread takes a trip's notice */
  noticed: () => TTraceStamp;
  print: (line: TTraceLine) => void;
  stop: () => void;
};

const SAMPLE_MS = 5;
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

export function startKillSwitchTrace(): TKillSwitchTrace {
  const delay = monitorEventLoopDelay({ resolution: SAMPLE_MS });
  delay.enable();
  let lastTick = performance.now();
  const sampler = setInterval(() => (lastTick = performance.now()), SAMPLE_MS);
  sampler.unref();
  let windowStart = performance.now();
  let cpu = process.cpuUsage();
  return {
    noticed: () => {
      const now = performance.now();
      const used = process.cpuUsage(cpu);
      const stamp: TTraceStamp = {
        noticedAt: Date.now(),
        stallMs: Math.round((now - lastTick) * 100) / 100,
        loopP50Ms: ms(delay.percentile(50)),
        loopP99Ms: ms(delay.percentile(99)),
        loopMaxMs: ms(delay.max),
        cpuPct: Math.round(((used.user + used.system) / 1000 / (now - windowStart)) * 100),
      };
      delay.reset();
      windowStart = now;
      cpu = process.cpuUsage();
      return stamp;
    },
    print: (line) => console.log(`[kill-switch trace] ${JSON.stringify(line)}`),
    stop: () => {
      clearInterval(sampler);
      delay.disable();
    },
  };
}
