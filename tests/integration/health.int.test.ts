import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/health/route";
import { db, disconnectDb } from "@/lib/db";
import { freePort } from "@/lib/db/embedded";
import { beat } from "@/lib/health";
import { getBoss, enqueueExecution, startWorker, stopBoss } from "@/lib/execution";
import { createTestDatabase } from "./test-database";
import { waitFor } from "./fixtures/execution";

type TBody = Awaited<ReturnType<typeof import("@/lib/health").checkHealth>>["body"];

async function health(): Promise<{ status: number; body: TBody; text: string }> {
  const res = await GET();
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as TBody, text };
}

/**
 * /api/health through its route handler, on a database of its own: heartbeats from workers
 * other test files start must not make "no worker" look live.
 */
describe("/api/health", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let itUrl: string;

  beforeAll(async () => {
    itUrl = process.env.DATABASE_URL!;
    database = await createTestDatabase("health");
    await disconnectDb();
    process.env.DATABASE_URL = database.url;
  });
  afterAll(async () => {
    await stopBoss();
    await disconnectDb();
    process.env.DATABASE_URL = itUrl;
    await database.drop();
  });

  it("answers 503 when no worker has ever beaten", async () => {
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.status).toBe("degraded");
    expect(body.problems).toEqual(["no_live_worker"]);
    expect(body.database).toEqual({ status: "ok" });
    expect(body.worker).toEqual({ status: "none", live: 0, lastBeatSecondsAgo: null });
  });

  it("answers 200 with a fresh heartbeat and 503 once it is older than 3 intervals", async () => {
    await beat({ id: "health-test:1", kind: "worker", intervalMs: 1_000, concurrency: 2 });
    let r = await health();
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ok");
    expect(r.body.worker).toMatchObject({ status: "ok", live: 1 });

    await db.$executeRaw`update "RuntimeInstance" set "lastBeatAt" = "lastBeatAt" - interval '3.5 seconds'
      where "id" = 'health-test:1'`;
    r = await health();
    expect(r.status).toBe(503);
    expect(r.body.problems).toEqual(["no_live_worker"]);
    expect(r.body.worker?.status).toBe("stale");
    expect(r.body.worker?.lastBeatSecondsAgo).toBeGreaterThanOrEqual(3.5);
    await db.runtimeInstance.deleteMany({});
  });

  it("a running worker makes it healthy; stopping it cleanly removes its beat", async () => {
    const worker = await startWorker({ workerId: "health-test:in-process", log: () => {} });
    try {
      expect((await health()).status).toBe(200);
    } finally {
      await worker.stop();
    }
    expect((await health()).body.worker?.status).toBe("none");
  });

  it("lists every instance, web and worker, live or stale, with its listener, never by name", async () => {
    const worker = await startWorker({ workerId: "health-test:listening", log: () => {} });
    await beat({ id: "web:health-host-name:4242", kind: "web", intervalMs: 60_000 });
    await beat({ id: "health-test:stale", kind: "worker", intervalMs: 1_000, concurrency: 1 });
    await db.$executeRaw`update "RuntimeInstance" set "lastBeatAt" = "lastBeatAt" - interval '5 seconds'
      where "id" = 'health-test:stale'`;
    try {
      const { body, text } = await health();
      expect(body.instances).toMatchObject({ web: 1, workers: 1, notListening: 1 });
      expect(body.instances!.list.map((i) => [i.kind, i.status, i.listening]).sort()).toEqual([
        ["web", "live", false],
        ["worker", "live", true],
        ["worker", "stale", false],
      ]);
      for (const name of ["health-host-name", "4242", "health-test"]) {
        expect(text).not.toContain(name);
      }
    } finally {
      await worker.stop();
      await db.runtimeInstance.deleteMany({});
    }
  });

  it("goes 503 within seconds of a worker process being SIGKILLed", async () => {
    const child = spawn(
      process.execPath,
      [...NODE_TS, "tests/integration/fixtures/worker-child.ts"],
      {
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          WORKER_ID: "health-test:child",
          TOLLGATE_HEARTBEAT_MS: "300",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => String(d).includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`worker child exited ${code}`)));
    });
    expect((await health()).status).toBe(200);
    child.kill("SIGKILL");
    const killedAt = Date.now();
    await waitFor(async () => ((await health()).status === 503 ? true : null), {
      timeoutMs: 5_000,
      what: "a 503 after the worker died",
    });
    expect(Date.now() - killedAt).toBeLessThan(3_000);
    expect((await health()).body.worker?.status).toBe("stale");
  });

  it("reports queue depth and the connectors' error class, never hosts or messages", async () => {
    await beat({ id: "health-test:2", kind: "worker", intervalMs: 60_000, concurrency: 1 });
    await getBoss();
    await enqueueExecution("req_health_probe_a");
    await enqueueExecution("req_health_probe_b");
    const env = await db.environment.create({
      data: {
        slug: `health-${Date.now().toString(36)}`,
        name: "Health probe",
        sfStatus: "error",
        sfLastError: "unavailable: connect ECONNREFUSED 10.9.8.7:443 (sf.internal.example)",
        sfLastCheckedAt: new Date(),
      },
    });
    const { status, body, text } = await health();
    expect(status).toBe(200);
    expect(body.queue).toMatchObject({ waiting: 2, approved: 0, retrying: 0, executing: 0 });
    expect(body.connectors).toContainEqual({
      environment: env.slug,
      status: "error",
      errorClass: "unavailable",
      lastCheckedAt: expect.any(String),
    });
    for (const secret of ["10.9.8.7", "sf.internal.example", "ECONNREFUSED", "health-test:2"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("answers 503 database_unreachable, with nothing else, when PostgreSQL does not answer", async () => {
    const url = new URL(database.url);
    url.port = String(await freePort());
    await disconnectDb();
    process.env.DATABASE_URL = url.toString();
    try {
      const { status, body, text } = await health();
      expect(status).toBe(503);
      expect(body).toEqual({
        status: "degraded",
        problems: ["database_unreachable"],
        database: { status: "unreachable" },
      });
      expect(text).not.toContain(url.port);
    } finally {
      await disconnectDb();
      process.env.DATABASE_URL = database.url;
    }
  });
});
