import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb, Prisma, rawQuery } from "@/lib/db";
import { startWorker, type TWorker } from "@/lib/execution/worker";
import { getBoss, sendJob, stopBoss } from "@/lib/jobs/boss";
import { jobInsertSql } from "@/lib/jobs/job-insert-sql";
import { onJobWake } from "@/lib/jobs/wake";
import { cronOf, JOB_NAMES, JOBS, MAINTENANCE_SECONDS } from "@/lib/jobs/registry";
import { createTestDatabase } from "./test-database";
import { waitFor } from "./fixtures/execution";

type TJobRow = { id: string; state: string; started_on: Date | null; completed_on: Date | null };

/**
 * The job registry on pg-boss, on a database of its own: queues and schedules installed at
 * migrate time, payloads checked when a job is picked up, recurring steps run by pg-boss one at
 * a time across processes, and a worker that dies mid-step does not stop them.
 */
describe("background jobs (lib/jobs)", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let itUrl: string;
  let owner: pg.Client;
  let worker: TWorker | null = null;
  let child: ChildProcess | null = null;
  const lines: string[] = [];

  const jobs = async (queue: string, where = "true") =>
    (
      await owner.query<TJobRow>(
        `select id, state::text, started_on, completed_on from pgboss.job
         where name = $1 and ${where} order by started_on nulls last, created_on`,
        [queue],
      )
    ).rows;

  const startChild = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const c = spawn(
        process.execPath,
        [...NODE_TS, "tests/integration/fixtures/worker-child.ts"],
        {
          env: { ...process.env, DATABASE_URL: database.url, WORKER_ID: "jobs-test:child" },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      child = c;
      c.stdout!.on("data", (d) => String(d).includes("ready") && resolve(c));
      c.once("exit", (code) => reject(new Error(`worker child exited ${code}`)));
    });

  beforeAll(async () => {
    itUrl = process.env.DATABASE_URL!;
    database = await createTestDatabase("jobs");
    await stopBoss();
    await disconnectDb();
    process.env.DATABASE_URL = database.url;
    owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
    child = null;
  });
  afterAll(async () => {
    await owner.end();
    await stopBoss();
    await disconnectDb();
    process.env.DATABASE_URL = itUrl;
    await database.drop();
  });

  it("migrate creates every queue and each recurring job's pg-boss schedule", async () => {
    const queues = await owner.query<{ name: string; policy: string }>(
      `select name, policy from pgboss.queue`,
    );
    for (const name of JOB_NAMES) {
      const job = JOBS[name];
      expect(queues.rows).toContainEqual({ name: job.queue, policy: job.queueOptions.policy });
    }
    const schedules = await owner.query<{ name: string; cron: string }>(
      `select name, cron from pgboss.schedule`,
    );
    for (const name of JOB_NAMES) {
      const job = JOBS[name];
      if ("schedule" in job) {
        expect(schedules.rows).toContainEqual({ name: job.queue, cron: cronOf(job.schedule) });
      }
    }
  });

  it("a process that only sends jobs runs no pg-boss maintenance or cron; a worker does", async () => {
    const stamps = async () =>
      (
        await owner.query<{ m: Date | null; c: Date | null }>(
          `select maintained_on as m, cron_on as c from pgboss.version`,
        )
      ).rows[0];
    const before = await stamps();
    // a web process: sends a job, and lives for several maintenance intervals
    await (await getBoss()).send(JOBS.expireStale.queue, {});
    await new Promise((r) => setTimeout(r, 3 * MAINTENANCE_SECONDS * 1_000));
    expect(await stamps()).toEqual(before);
    // the same process becomes a worker: its pg-boss restarts supervising
    worker = await startWorker({ workerId: "jobs-test:0", log: (l) => lines.push(l) });
    const after = await waitFor(
      async () => {
        const s = await stamps();
        return s.m && s.m.getTime() !== before.m?.getTime() ? s : null;
      },
      { timeoutMs: 10_000, what: "the worker's pg-boss to run maintenance" },
    );
    expect(after.m).not.toBeNull();
  });

  it("a job sent on an on-demand queue is announced to every process's consumers (no wait for a poll)", async () => {
    worker = await startWorker({ workerId: "jobs-test:wake", log: (l) => lines.push(l) });
    const woken: string[] = [];
    const off = onJobWake(JOBS.execute.queue, () => woken.push("execute"));
    try {
      // each under its own key, as enqueueExecution sends them (the queue keeps one waiting per key)
      const send = (requestId: string, startAfter?: number) =>
        sendJob("execute", { requestId }, { singletonKey: requestId, startAfter });
      expect(await send("ar_wake_test")).not.toBeNull();
      // through PostgreSQL: the announcement's NOTIFY reaches the worker's LISTEN connection
      await waitFor(async () => woken.length > 0, { what: "the execute queue's wake-up" });
      // a job that waits (startAfter) is not announced: its consumers would find nothing yet
      woken.length = 0;
      expect(await send("ar_wake_later", 60)).not.toBeNull();
      expect(await send("ar_wake_test_2")).not.toBeNull();
      await waitFor(async () => woken.length > 0, { what: "the second wake-up" });
      expect(woken).toEqual(["execute"]);
    } finally {
      off();
    }
  });

  it("a job queued in a producer's own statement (jobInsertSql) is the row pg-boss's insert writes", async () => {
    const boss = await getBoss();
    // as the runtime role, in one statement, as insertRequest queues an auto-approved request's job
    const viaSql = (queue: string, key: string) =>
      rawQuery<{ id: string }>(Prisma.sql`
        with j as (${jobInsertSql(
          queue,
          Prisma.sql`select jsonb_build_object('requestId', ${key}::text) as data, ${key}::text as singleton_key`,
        )}) select id from j`);
    for (const queue of [JOBS.execute.queue, JOBS.expireStale.queue]) {
      const tag = `${queue}-${Date.now().toString(36)}`;
      await boss.insert([
        { name: queue, data: { requestId: `${tag}-boss` }, singletonKey: `${tag}-boss` },
      ]);
      expect(await viaSql(queue, `${tag}-sql`)).toHaveLength(1);
      const rows = (
        await owner.query(
          `select singleton_key, data, name, priority, state::text, singleton_on, dead_letter,
             expire_in::text, retry_limit, retry_delay, retry_backoff, policy,
             (keep_until - start_after)::text as kept, start_after <= now() as due
           from pgboss.job where singleton_key in ($1, $2) order by singleton_key`,
          [`${tag}-boss`, `${tag}-sql`],
        )
      ).rows;
      expect(rows).toHaveLength(2);
      const [byBoss, bySql] = rows;
      expect(bySql.data).toEqual({ requestId: `${tag}-sql` });
      const rest = (r: Record<string, unknown>) => ({ ...r, singleton_key: 0, data: 0 });
      expect(rest(bySql)).toEqual(rest(byBoss));
      expect(byBoss.due).toBe(true);
      // one job waiting per singleton key (the execute queue's policy): a second is not queued
      if (queue === JOBS.execute.queue) expect(await viaSql(queue, `${tag}-sql`)).toHaveLength(0);
    }
  });

  it("fails a job whose payload is malformed with a log line, without running it", async () => {
    worker = await startWorker({ workerId: "jobs-test:1", log: (l) => lines.push(l) });
    const boss = await getBoss();
    // straight to pg-boss: sendJob would refuse it at the call
    const id = (await boss.send(JOBS.execute.queue, { requestId: 42 }))!;
    const job = await waitFor(
      async () => {
        const j = await boss.getJobById(JOBS.execute.queue, id);
        return j && j.state === "failed" ? j : null;
      },
      { timeoutMs: 10_000, what: "the malformed job to fail" },
    );
    expect(JSON.stringify(job.output)).toContain("malformed payload for tollgate-execute");
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^job ${id} not run: malformed payload for tollgate-execute \\(requestId: `),
      ),
    );
    // the handler never saw it: it would have logged the request's outcome or its failure
    expect(lines.filter((l) => l.startsWith("42") || l.startsWith("execute failed"))).toEqual([]);
  });

  it("runs each recurring step about every second, never twice at once, across processes", async () => {
    worker = await startWorker({ workerId: "jobs-test:2", log: (l) => lines.push(l) });
    await startChild();
    const since = new Date();
    await new Promise((r) => setTimeout(r, 6_000));
    for (const name of ["recoverInterrupted", "enqueueDue", "deliverWebhooks"] as const) {
      const done = (await jobs(JOBS[name].queue, "state = 'completed'")).filter(
        (j) => j.started_on! >= since,
      );
      // one a second, whatever the number of workers (two processes here)
      expect(done.length, name).toBeGreaterThanOrEqual(3);
      expect(done.length, name).toBeLessThanOrEqual(8);
      for (let i = 1; i < done.length; i++) {
        expect(done[i].started_on!.getTime(), name).toBeGreaterThanOrEqual(
          done[i - 1].completed_on!.getTime(),
        );
      }
    }
  });

  it("a worker that dies mid-step does not stop the schedule", async () => {
    await startChild();
    const queue = JOBS.expireStale.queue;
    const boss = await getBoss();
    // this process plays a worker that picked a run up, queued the next (as every run does
    // first) and died: its job stays active and nobody will finish it
    const [dead] = await waitFor(
      async () => {
        const got = await boss.fetch(queue);
        return got.length ? got : null;
      },
      { timeoutMs: 10_000, what: "a run of the step to pick up" },
    );
    await boss.send(queue, {}, { startAfter: 1 });
    const pickedAt = Date.now();
    // the live worker may not run the step while the dead run is active
    await new Promise((r) => setTimeout(r, 3_000));
    expect(
      (await jobs(queue, "state = 'completed'")).filter((j) => j.started_on!.getTime() > pickedAt),
    ).toEqual([]);
    // pg-boss expires the dead run (expireInSeconds, then maintenance) and the schedule goes on
    const expireMs = ((JOBS.expireStale.queueOptions.expireInSeconds ?? 0) + 15) * 1_000;
    await waitFor(async () => (await jobs(queue, `id = '${dead.id}'`))[0]?.state === "failed", {
      timeoutMs: expireMs,
      what: "pg-boss to fail the dead run",
    });
    await waitFor(
      async () =>
        (await jobs(queue, "state = 'completed'")).some((j) => j.started_on!.getTime() > pickedAt),
      { timeoutMs: 10_000, what: "the step to run again" },
    );
  }, 90_000);
});
