import type { TPropagation } from "@/lib/guardrails/kill-switch-propagation";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What a trip's answer says about its reach: every running instance (web server or worker)
 * confirmed it, or which ones did not — they may still accept requests or start writes in the
 * switch's scope until they are stopped or reconnect.
 */
export function describePropagation(p: TPropagation): { summary: string; silent: string[] } {
  if (p.instances === 0) {
    return { summary: "No running instance was registered to confirm it.", silent: [] };
  }
  if (p.unacknowledged.length === 0) {
    const slowest = Math.max(...p.acknowledged.map((a) => a.ms));
    return {
      summary: `All ${plural(p.instances, "running instance")} confirmed within ${Math.round(slowest)} ms.`,
      silent: [],
    };
  }
  return {
    summary:
      `${p.unacknowledged.length} of ${plural(p.instances, "running instance")} did not confirm ` +
      `within ${(p.waitedMs / 1000).toFixed(1)} s and may still act in this scope:`,
    silent: p.unacknowledged.map(
      (u) =>
        `${u.kind === "web" ? "web server" : "worker"} ${u.instance} (${u.host}, pid ${u.pid}, ` +
        `last beat ${u.lastBeatSecondsAgo} s ago${u.listening ? "" : ", kill-switch connection down"})`,
    ),
  };
}
