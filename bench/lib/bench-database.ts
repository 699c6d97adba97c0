import os from "node:os";
import { setEnv } from "@/lib/env";
import { createTestDatabase } from "../../tests/integration/test-database";

/** The 1, 5 and 15 minute load averages: on a shared machine, read every figure beside them. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/**
 * A fresh database for a bench, named after it and set as DATABASE_URL (import the app's
 * modules after this); first prints the machine's CPUs and load.
 */
export async function benchDatabase(name: string) {
  console.log(`${os.cpus().length} CPUs, load average ${loadAverage()} at start`);
  const database = await createTestDatabase(name);
  setEnv({ DATABASE_URL: database.url }, { force: true });
  return database;
}

/**
 * Runs a bench's `main`: at the end prints how long it took with the load average beside it; a
 * failure prints and exits 1.
 */
export function runBench(main: () => Promise<void>) {
  const started = Date.now();
  void main()
    .then(() =>
      console.log(
        `bench took ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadAverage()} at the end`,
      ),
    )
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
