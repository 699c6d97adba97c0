/**
 * Bulk backout (issue 12 target: 10,000 field changes reverted in ≤ 60 s against the sandbox).
 * `--records` opportunities (default 2,000) each changed in 5 fields by one succeeded agent
 * request, then backed out: the dry run (select, read every record back, plan), then the
 * execution from start to done — the `backouts` job queueing one approved revert per record,
 * an in-process worker (concurrency 4, composite batches of 200) reading and writing them.
 *
 * Beside it, the floor on the same sandbox in the same run: the same records read and written
 * with composite calls of 200 directly by the connector — one read and one write per record,
 * which is what the backout must do at the least (its dry-run read plus its write's
 * read-before-write and write).
 *   npm run bench:backout [-- --records 2000 --concurrency 4]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import { db, disconnectDb } from "@/lib/db";
import { dropProxyVariables, setEnv } from "@/lib/env";
import { startWorker } from "@/lib/execution/worker";
import type { TCurrentUser } from "@/lib/auth";
import { BEFORE, seedAgentWrites, WRITTEN } from "@/tests/integration/fixtures/agent-writes";
import { benchDatabase, runBench } from "./lib/bench-database";
import { demoOrgOnSandbox, type startSandboxProcess } from "./lib/sandbox-process";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "4" },
  },
});
const N = Number(values.records);
const CONCURRENCY = Number(values.concurrency);
const TARGET_S = 60;
const FIELDS = Object.keys(BEFORE(0));

const user = async (email: string, roles: TCurrentUser["roles"]): Promise<TCurrentUser> => {
  const u = await db.user.findUniqueOrThrow({ where: { email } });
  return { id: u.id, email: u.email, name: u.name, roles, groups: [] };
};
const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function main() {
  dropProxyVariables();
  setEnv({
    TOLLGATE_SECRET_KEY: "bench-secret-key",
    TOLLGATE_ALLOW_LOOPBACK: "1", // the bundled sandbox
    TOLLGATE_EXECUTION_BATCH_SIZE: "200",
    DB_POOL_SIZE: String(2 * CONCURRENCY + 6),
  });
  const database = await benchDatabase("bench_backout");
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | null = null;
  try {
    const org = await demoOrgOnSandbox();
    sandbox = org.sandbox;
    const { sf } = org;
    const agent = await db.agent.findFirstOrThrow({
      where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
    });
    const ids = { agentId: agent.id, environmentId: agent.environmentId };
    let t0 = performance.now();
    const seeded = await seedAgentWrites(sf, ids, N, "Bench backout");
    console.log(
      `seeded ${N} records × ${FIELDS.length} fields = ${N * FIELDS.length} field changes by ${N} succeeded requests in ${seconds(t0).toFixed(1)} s`,
    );

    // ── the floor: read and write the same records directly, composite calls of 200 ──
    t0 = performance.now();
    for (let i = 0; i < N; i += 200) {
      const chunk = seeded.recordIds.slice(i, i + 200);
      await sf.retrieveBatch("Opportunity", chunk, FIELDS);
      // the values they hold already: nothing changes, the calls cost what a write costs
      await sf.updateBatch(
        "Opportunity",
        chunk.map((id, j) => ({ id, ...WRITTEN(i + j) })),
      );
    }
    const floor = seconds(t0);
    console.log(
      `floor: ${N} records read and written directly (composite, 200 a call): ${floor.toFixed(2)} s = ${((N * FIELDS.length) / floor).toFixed(0)} fields/s`,
    );

    const { planBackout, startBackout, progressIn } = await import("@/lib/backouts");
    const ops = await user("ops@tollgate.demo", ["ops_owner"]);
    const admin = await user("admin@tollgate.demo", ["admin"]);
    t0 = performance.now();
    const plan = await planBackout(ops, {
      environmentId: agent.environmentId,
      agentId: agent.id,
      from: seeded.from,
      to: seeded.to,
      reason: "bench",
    });
    const dryRun = seconds(t0);
    console.log(
      `dry run: ${plan.restorable} fields restorable, ${plan.conflicts} conflicts, in ${dryRun.toFixed(2)} s`,
    );

    const worker = await startWorker({
      concurrency: CONCURRENCY,
      workerId: "bench-backout",
      log: () => {},
    });
    try {
      t0 = performance.now();
      await startBackout(admin, plan.id);
      let last = -1;
      for (;;) {
        const b = await db.backout.findUniqueOrThrow({ where: { id: plan.id } });
        const p = await progressIn(db, plan.id);
        if (p.done !== last) {
          console.log(
            `  ${seconds(t0).toFixed(1)} s: ${p.done} done, ${p.inFlight} in flight, ${p.waiting} waiting, ${p.conflicts} conflicts, ${p.failed} failed`,
          );
          last = p.done;
        }
        if (b.status === "done") break;
        if (seconds(t0) > 600) throw new Error("the backout did not finish in 10 minutes");
        await new Promise((r) => setTimeout(r, 500));
      }
      const took = seconds(t0);
      const p = await progressIn(db, plan.id);
      // check: Salesforce holds every value from before the agent's writes
      let wrong = 0;
      for (let i = 0; i < N; i += 200) {
        const got = await sf.retrieveBatch(
          "Opportunity",
          seeded.recordIds.slice(i, i + 200),
          FIELDS,
        );
        got.forEach((g, j) => {
          const want = BEFORE(i + j);
          for (const f of FIELDS) if (g?.record[f] !== want[f as keyof typeof want]) wrong++;
        });
      }
      const total = took + dryRun;
      console.log(
        [
          `execution (start → done): ${took.toFixed(2)} s = ${(p.done / took).toFixed(0)} fields/s, ${(N / took).toFixed(0)} records/s; ${p.done} restored, ${p.conflicts} conflicts, ${p.failed} failed; ${wrong} values wrong in Salesforce after`,
          `dry run + execution: ${total.toFixed(1)} s = ${(total / floor).toFixed(1)}× the floor (${floor.toFixed(2)} s)`,
          `target: ${N * FIELDS.length} field changes backed out in ≤ ${TARGET_S} s: ${total.toFixed(1)} s — ${total <= TARGET_S && wrong === 0 ? "PASS" : "FAIL"}`,
        ].join("\n"),
      );
    } finally {
      await worker.stop();
    }
  } finally {
    await sandbox?.stop();
    await disconnectDb();
    await database.drop();
  }
}

runBench(main);
