import fs from "node:fs";

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ: 100 on every common kernel). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) of a process so far; null when it is gone or /proc is not there. */
function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command (field 2) may hold spaces: count fields after its closing parenthesis
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** PIDs whose command line contains `text` (PostgreSQL backends show their database there). */
function pidsMatching(text: string): number[] {
  const out: number[] = [];
  for (const d of fs.existsSync("/proc") ? fs.readdirSync("/proc") : []) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(text)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU spent by a set of processes between the call and the returned `stop()`: on a shared
 * machine the rate a bench reaches depends on its neighbours, the CPU each request costs much
 * less. The set is re-listed every 100 ms, so processes that come (pgbench's backends) count
 * too, and those that exit count up to their last reading. Keep the event loop free meanwhile.
 */
export function cpuMeter(processes: () => number[]) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const read = (isStart: boolean) => {
    for (const p of processes()) {
      const ms = cpuMs(p);
      if (ms === null) continue;
      if (!first.has(p)) first.set(p, isStart ? ms : 0);
      last.set(p, ms);
    }
  };
  read(true);
  const timer = setInterval(() => read(false), 100);
  return () => {
    clearInterval(timer);
    read(false);
    let total = 0;
    for (const [p, ms] of last) total += ms - (first.get(p) ?? 0);
    return total;
  };
}

/** The backends of one database on a local PostgreSQL (their process title names it). */
export const backendsOf = (database: string) => () => pidsMatching(` ${database} `);
