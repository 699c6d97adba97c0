import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { createApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { executeRequest, stopBoss } from "@/lib/execution";
import { resetKillSwitch, tripKillSwitch } from "@/lib/guardrails";
import { startKillSwitchListener } from "@/lib/guardrails/kill-switch-listener";
import { coveringSwitch, isLive, runGated } from "@/lib/guardrails/kill-switch-state";
import { clearPolicyCaches, killSwitchState } from "@/lib/agent-api/policy-context";
import { startInstance } from "@/lib/health/start-instance";
import { env } from "@/lib/env";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { createTestDatabase } from "./test-database";
import { demoAdminId } from "./fixtures/demo-org";
import { withClient } from "./fixtures/pg";
import {
  executionSandbox,
  requestFor,
  waitFor,
  type TExecutionSandbox,
} from "./fixtures/execution";

/**
 * Kill-switch trips reach running processes through PostgreSQL LISTEN/NOTIFY, and a trip's
 * answer waits for each live instance's acknowledgement. On a database of its own: the registry
 * of live instances must hold only this file's processes.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let itUrl: string;
let adminId: string;
let lead: { agentId: string; environmentId: string; key: string };

beforeAll(async () => {
  itUrl = process.env.DATABASE_URL!;
  database = await createTestDatabase("killprop");
  await disconnectDb();
  process.env.DATABASE_URL = database.url;
  await seedDemoOrg({ history: false });
  adminId = await demoAdminId();
  const agent = await db.agent.findFirstOrThrow({
    where: { slug: "lead-enrichment-bot", environment: { slug: "prod" } },
  });
  await db.agent.update({
    where: { id: agent.id },
    data: { callsPerMinute: 1_000_000, writesPerHour: 1_000_000 },
  });
  const key = (await createApiKey({ agentSlug: agent.slug, envSlug: "prod" })).plaintext;
  lead = { agentId: agent.id, environmentId: agent.environmentId, key };
});

afterAll(async () => {
  await stopBoss();
  await disconnectDb();
  process.env.DATABASE_URL = itUrl;
  await database.drop();
});

const TRIP = { scope: "environment" as const, target: "prod" };

/** SQL as the login user (the app's role may not see or signal other sessions). */
const asOwner = <T>(fn: Parameters<typeof withClient<T>>[0]) => withClient(fn, database.url);

/** Backend pids of an instance's LISTEN connection; `loaded`: past its first load. */
async function listenerBackends(instanceId: string, opts: { loaded?: boolean } = {}) {
  const { rows } = await asOwner((c) =>
    c.query<{ pid: number; query: string }>(
      "select pid, query from pg_stat_activity where application_name = $1",
      [`tollgate:${instanceId}`.slice(0, 63)],
    ),
  );
  return rows
    .filter((r) => !opts.loaded || r.query.includes('"KillSwitch"') || r.query === "select 1")
    .map((r) => r.pid);
}
const leadWork = () => ({
  environmentId: lead.environmentId,
  agentId: lead.agentId,
  workflowId: null,
});

describe("one process's listener", () => {
  let box: TExecutionSandbox;
  beforeAll(async () => {
    box = await executionSandbox();
  });
  afterAll(() => box.close());

  it("a dropped LISTEN connection reconnects and catches up on a trip it missed", async () => {
    const listener = await startKillSwitchListener({ instanceId: "it-reconnect", log: () => {} });
    const good = process.env.DATABASE_URL!;
    try {
      expect(isLive()).toBe(true);
      expect(coveringSwitch(leadWork())).toBeNull();
      // cut its connection and keep it from coming back until the trip has committed
      const nowhere = new URL(good);
      nowhere.port = "1";
      process.env.DATABASE_URL = nowhere.toString();
      const cut = await listenerBackends("it-reconnect");
      await asOwner((c) =>
        c.query("select pg_terminate_backend(pid) from unnest($1::int[]) pid", [cut]),
      );
      expect(cut).toHaveLength(1);
      await waitFor(async () => !isLive(), { what: "the listener to notice" });
      const trip = await tripKillSwitch({ ...TRIP, reason: "tripped while cut off" }, adminId);
      // it was not registered as an instance: nobody waited for it
      expect(trip.propagation).toMatchObject({ instances: 0, unacknowledged: [] });
      expect(coveringSwitch(leadWork())).toBeNull();

      process.env.DATABASE_URL = good;
      await waitFor(async () => isLive(), { what: "the listener to reconnect" });
      // the reload after the reconnect brought the trip it never heard of
      expect(coveringSwitch(leadWork())).toMatchObject({ scope: "environment", engaged: true });
      // and notices flow again
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId);
      await waitFor(async () => coveringSwitch(leadWork()) === null, {
        what: "the reset to arrive",
      });
    } finally {
      process.env.DATABASE_URL = good;
      await listener.stop();
    }
    expect(isLive()).toBe(false);
  });

  it("the gate reads memory first: a trip shows at once, whatever the fallback cache still holds", async () => {
    clearPolicyCaches();
    // the short cache now holds "nothing engaged" (read while no listener is up)
    expect(await killSwitchState()).toEqual([]);
    const instance = await startInstance({ kind: "web", id: "it-memory", log: () => {} });
    try {
      const trip = await tripKillSwitch({ ...TRIP, reason: "memory first" }, adminId, null, {
        ackWaitMs: 60_000,
      });
      expect(trip.propagation.acknowledged.map((a) => a.instance)).toEqual(["it-memory"]);
      // acknowledged means applied: the very next read refuses, though the cache is not stale yet
      expect(await killSwitchState()).toEqual([
        expect.objectContaining({ scope: "environment", environmentId: lead.environmentId }),
      ]);
    } finally {
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId).catch(() => {});
      await instance.stop();
    }
  });

  it("an instance acknowledges a trip only after the requests that passed its gate before have finished", async () => {
    const instance = await startInstance({ kind: "web", id: "it-drain", log: () => {} });
    const HOLD_MS = 400;
    try {
      let release: () => void = () => {};
      const held = new Promise<void>((r) => (release = r));
      let sawBefore: unknown;
      const request = runGated(async () => {
        sawBefore = await killSwitchState();
        await held;
        return "finished";
      });
      const answer = tripKillSwitch({ ...TRIP, reason: "drain first" }, adminId, null, {
        ackWaitMs: 60_000,
      });
      // the trip is in memory; the request that read the old state is still running
      await waitFor(async () => coveringSwitch(leadWork()) !== null, { what: "the notice" });
      await new Promise((r) => setTimeout(r, HOLD_MS));
      expect(
        await db.killSwitchAck.count({ where: { instanceId: "it-drain" } }),
        "acknowledged while a request that passed the gate before was running",
      ).toBe(0);
      release();
      expect(await request).toBe("finished");
      expect(sawBefore).toEqual([]);
      const trip = await answer;
      expect(trip.propagation.unacknowledged).toEqual([]);
      const ack = await db.killSwitchAck.findFirstOrThrow({
        where: { changeId: trip.propagation.change, instanceId: "it-drain" },
      });
      // from the notice to the acknowledgement: at least the time the request was held
      expect(ack.drainMs).toBeGreaterThanOrEqual(HOLD_MS);
    } finally {
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId).catch(() => {});
      await instance.stop();
    }
  });

  it("an instance applies and acknowledges a trip while every connection of its pool is busy", async () => {
    const instance = await startInstance({ kind: "web", id: "it-pool", log: () => {} });
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let inside = 0;
    // every connection of the app's pool in an open transaction until released
    const holders = Array.from({ length: env().DB_POOL_SIZE }, () =>
      db.$transaction(
        async (tx) => {
          await tx.$queryRaw`select 1`;
          inside += 1;
          await held;
        },
        { maxWait: 60_000, timeout: 120_000 },
      ),
    );
    const change = `ksc_pool_${process.pid}_${Date.now()}`;
    try {
      await waitFor(async () => inside === env().DB_POOL_SIZE, { what: "the pool to fill" });
      // tripped from outside this process's pool, as another instance would
      const began = Date.now();
      await asOwner(async (c) => {
        await c.query("begin");
        await c.query("select set_config('tollgate.kill_switch_change', $1, true)", [change]);
        await c.query(
          `insert into "KillSwitch" (id, scope, "scopeKey", "environmentId", engaged, reason, "engagedAt")
           values ($1, 'environment', $2, $3, true, 'pool busy', now())
           on conflict ("scopeKey") do update set engaged = true, reason = 'pool busy'`,
          [`ks_pool_${process.pid}`, `environment:${lead.environmentId}`, lead.environmentId],
        );
        await c.query("commit");
      });
      const ack = await waitFor(
        () =>
          asOwner(async (c) => {
            const { rows } = await c.query<{ appliedAt: Date | null }>(
              `select "appliedAt" from "KillSwitchAck" where "changeId" = $1 and "instanceId" = 'it-pool'`,
              [change],
            );
            return rows[0];
          }),
        { what: "the acknowledgement" },
      );
      // acknowledged and applied, all while not one of the pool's connections was free
      expect(inside).toBe(env().DB_POOL_SIZE);
      expect(coveringSwitch(leadWork())).toMatchObject({ scope: "environment", engaged: true });
      expect(ack.appliedAt).toBeInstanceOf(Date);
      // the instance's clock (this process's) when it applied it: after the trip began
      expect(ack.appliedAt!.getTime()).toBeGreaterThanOrEqual(began);
      expect(ack.appliedAt!.getTime()).toBeLessThanOrEqual(Date.now());
    } finally {
      release();
      await Promise.allSettled(holders);
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId).catch(() => {});
      await instance.stop();
    }
  });

  it("a trip after the claim stops the write at the gate: halted, nothing written", async () => {
    const listener = await startKillSwitchListener({ instanceId: "it-gate", log: () => {} });
    try {
      const agent = await db.agent.findFirstOrThrow({
        where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
      });
      const opp = (await box.sf.query<{ Id: string }>("SELECT Id FROM Opportunity LIMIT 1"))
        .records[0].Id;
      const id = await requestFor(box.sf, {
        agentId: agent.id,
        environmentId: agent.environmentId,
        recordId: opp,
        changes: { NextStep: "stopped at the gate" },
      });
      const history = await box.historyCount(opp, "NextStep");
      // the read before the write takes 1.5 s: the trip lands while the try holds its claim
      await box.fault({ latencyMs: 1_500, latencyMethod: "GET" });
      const running = executeRequest(id, { workerId: "it-gate" });
      await waitFor(
        async () => (await db.actionRequest.findUnique({ where: { id } }))?.status === "executing",
        { what: "the claim" },
      );
      await tripKillSwitch({ ...TRIP, reason: "stop mid-try" }, adminId);
      // (this listener is not a registered instance: the trip did not wait for it)
      await waitFor(async () => coveringSwitch(leadWork()) !== null, { what: "the notice" });
      const result = await running;
      expect(result).toMatchObject({ outcome: "halted" });
      expect(await db.actionRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({
        status: "halted",
      });
      const attempt = await db.executionAttempt.findFirstOrThrow({
        where: { actionRequestId: id },
      });
      expect(attempt).toMatchObject({ outcome: "halted", errorCode: "KILL_SWITCH" });
      await box.fault({ clear: true });
      expect(await box.historyCount(opp, "NextStep")).toBe(history);
      expect(box.sandbox.state().requests["PATCH sobject-row"] ?? 0).toBe(0);
      const events = await db.auditEvent.findMany({
        where: { subjectId: id, action: "action_request.halted" },
      });
      expect(events.map((e) => e.payload)).toEqual([
        expect.objectContaining({ from: "executing", to: "halted" }),
      ]);
    } finally {
      await box.fault({ clear: true });
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId).catch(() => {});
      await listener.stop();
    }
  });
});

type TChild = { child: ChildProcess; id: string; url?: string };

function spawnChild(script: string, extra: Record<string, string>, ready: RegExp) {
  return new Promise<TChild & { match: RegExpMatchArray }>((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_TS, script], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, DATABASE_URL: database.url, ...extra },
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (process.env.DEBUG_CHILDREN) process.stderr.write(d);
      const m = ready.exec(out);
      if (m) resolve({ child, id: "", match: m });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited (${code}): ${out}`)));
  });
}

type TSent = { app: number; sentAt: number; status: number; finishedAt: number };

describe("two app instances and two workers, as processes", () => {
  const apps: TChild[] = [];
  const workers: TChild[] = [];
  let sandbox: SandboxServer;

  beforeAll(async () => {
    sandbox = await createSandboxServer({ seed: "demo", dailyApiLimit: 100_000_000 });
    await pointDemoEnvironmentsAt(sandbox.url);
    for (let i = 0; i < 2; i++) {
      const c = await spawnChild(
        "tests/integration/fixtures/app-instance-child.ts",
        {},
        /READY (\S+) (\S+)\n/,
      );
      apps.push({ child: c.child, url: c.match[1], id: c.match[2] });
    }
    for (const id of ["kp-worker-a", "kp-worker-b"]) {
      const c = await spawnChild(
        "tests/integration/fixtures/worker-child.ts",
        { WORKER_ID: id, WORKER_CONCURRENCY: "2" },
        /ready\n/,
      );
      workers.push({ child: c.child, id });
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of [...apps, ...workers]) {
      if (c.child.exitCode === null && !c.child.signalCode) {
        c.child.kill("SIGCONT");
        c.child.kill("SIGKILL");
      }
    }
    await sandbox.close();
  });

  let seq = 0;
  const body = () =>
    JSON.stringify({
      idempotencyKey: `kp-${process.pid}-${seq++}`,
      workflow: { key: "lead-enrichment" },
      actionType: "lead.create",
      target: { system: "salesforce", object: "Lead", recordId: null },
      changes: {
        FirstName: "Ada",
        LastName: `Propagation ${seq}`,
        Company: "Kill Switch Co",
        Email: `ada${seq}@killswitch.example`,
        LeadSource: "Web",
      },
      reason: { code: "INBOUND_FORM", text: "Demo request form" },
      evidence: [{ type: "form_submission", ref: `hubspot:form/${seq}` }],
    });

  /** Agent requests to `targets`, `perApp` at a time each, into `sent`, until `stop.done`. */
  async function load(perApp: number, stop: { done: boolean }, sent: TSent[], targets = apps) {
    await Promise.all(
      targets.flatMap((app, i) =>
        Array.from({ length: perApp }, async () => {
          while (!stop.done) {
            const sentAt = Date.now();
            const res = await fetch(`${app.url}/api/agent/v1/action-requests`, {
              method: "POST",
              headers: { authorization: `Bearer ${lead.key}`, "content-type": "application/json" },
              body: body(),
            });
            await res.arrayBuffer();
            sent.push({
              app: i,
              sentAt,
              status: res.status,
              finishedAt: Number(res.headers.get("x-finished-at")),
            });
          }
        }),
      ),
    );
    return sent;
  }

  const writes = () => {
    const w = sandbox.state().writes;
    return w.create + w.update + w.delete;
  };

  it("a trip mid-load: nothing accepted and no Salesforce write started on any of them after its answer", async () => {
    for (let round = 0; round < 3; round++) {
      const stop = { done: false };
      const sent: TSent[] = [];
      const sending = load(2, stop, sent);
      let trip, answeredAt: number, writesAtAnswer, writesLater;
      try {
        // requests are being accepted and executed before the trip
        const writesBefore = writes();
        await waitFor(async () => writes() > writesBefore + 2, { what: "writes under load" });
        // every instance is up: wait for all of them however busy the machine is (what is
        // checked is the order of events, not their speed — that is bench:killswitch's)
        trip = await tripKillSwitch({ ...TRIP, reason: `drill ${round}` }, adminId, null, {
          ackWaitMs: 60_000,
        });
        answeredAt = Date.now();
        writesAtAnswer = writes();
        // each app answers a few requests sent after the answer, and the workers have had time
        await waitFor(
          async () =>
            [0, 1].every(
              (app) => sent.filter((s) => s.app === app && s.sentAt >= answeredAt).length >= 3,
            ),
          { what: "requests after the answer" },
        );
        await new Promise((r) => setTimeout(r, 300));
        writesLater = writes();
      } finally {
        stop.done = true;
      }
      await sending;

      expect(trip.propagation.unacknowledged).toEqual([]);
      expect(trip.propagation.acknowledged.map((a) => a.instance).sort()).toEqual(
        [...apps, ...workers].map((c) => c.id).sort(),
      );
      const accepted = sent.filter((s) => s.status === 201);
      for (const app of [0, 1]) {
        expect(
          accepted.filter((s) => s.app === app && s.sentAt < answeredAt).length,
        ).toBeGreaterThan(0);
        // after the answer, every request on both apps is refused
        expect(sent.filter((s) => s.app === app && s.sentAt >= answeredAt).length).toBeGreaterThan(
          0,
        );
      }
      expect(accepted.filter((s) => s.sentAt >= answeredAt)).toEqual([]);
      // and nothing the switch covers was still being accepted when the answer went out
      expect(accepted.filter((s) => s.finishedAt > answeredAt)).toEqual([]);
      expect(new Set(sent.filter((s) => s.sentAt >= answeredAt).map((s) => s.status))).toEqual(
        new Set([423]),
      );
      expect(writesLater - writesAtAnswer).toBe(0);

      const events = await db.auditEvent.findMany({
        where: {
          action: "kill_switch.propagated",
          payload: { path: ["change"], equals: trip.propagation.change },
        },
      });
      expect(events).toHaveLength(1);
      expect(events[0].payload).toMatchObject({ instances: 4, unacknowledged: [] });
      await resetKillSwitch({ ...TRIP, reason: `drill ${round} over` }, adminId);
    }
  });

  it("a frozen app instance and a killed worker are named in the answer", async () => {
    const frozen = apps[1];
    const killed = workers[1];
    frozen.child.kill("SIGSTOP");
    killed.child.kill("SIGKILL");
    await new Promise((r) => killed.child.once("exit", r));
    try {
      const trip = await tripKillSwitch({ ...TRIP, reason: "two are silent" }, adminId);
      expect(trip.propagation.unacknowledged.map((u) => [u.instance, u.kind]).sort()).toEqual(
        [
          [frozen.id, "web"],
          [killed.id, "worker"],
        ].sort(),
      );
      expect(trip.propagation.unacknowledged.find((u) => u.kind === "web")).toMatchObject({
        pid: frozen.child.pid,
      });
      expect(trip.propagation.acknowledged.map((a) => a.instance).sort()).toEqual(
        [apps[0].id, workers[0].id].sort(),
      );
      const [event] = await db.auditEvent.findMany({
        where: {
          action: "kill_switch.propagated",
          payload: { path: ["change"], equals: trip.propagation.change },
        },
      });
      expect(
        (event.payload as { unacknowledged: { instance: string }[] }).unacknowledged,
      ).toHaveLength(2);

      // the surviving instance refuses
      const stop = { done: false };
      const sent: TSent[] = [];
      const sending = load(1, stop, sent, [apps[0]]);
      await waitFor(async () => sent.length >= 3, { what: "requests" }).finally(
        () => (stop.done = true),
      );
      expect(new Set((await sending).map((s) => s.status))).toEqual(new Set([423]));
    } finally {
      frozen.child.kill("SIGCONT");
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId);
    }
  });

  it("an app instance whose LISTEN connection was dropped reconnects, then acknowledges", async () => {
    const app = apps[0];
    const [before] = await listenerBackends(app.id);
    expect(before).toBeDefined();
    await asOwner((c) => c.query("select pg_terminate_backend($1::int)", [before]));
    // listening again on a new connection, the switches loaded (LISTEN comes before the load)
    await waitFor(
      async () => {
        const now = await listenerBackends(app.id, { loaded: true });
        return now.length === 1 && now[0] !== before;
      },
      { what: "the app to listen again" },
    );
    const trip = await tripKillSwitch({ ...TRIP, reason: "after a reconnect" }, adminId);
    expect(trip.propagation.acknowledged.map((a) => a.instance)).toContain(app.id);
    await resetKillSwitch({ ...TRIP, reason: "over" }, adminId);
  });

  it("the CLI's trip waits the same way, lists who did not confirm and exits 3", async () => {
    const frozen = apps[1];
    frozen.child.kill("SIGSTOP");
    try {
      const cli = spawn(
        process.execPath,
        [
          ...NODE_TS,
          "scripts/tollgate.ts",
          "kill-switch",
          "trip",
          "--scope",
          "environment",
          "--target",
          "prod",
          "--reason",
          "from the command line",
          "--as",
          "admin@tollgate.demo",
        ],
        { env: { ...process.env, DATABASE_URL: database.url }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      cli.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      cli.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise((r) => cli.once("exit", r));
      expect(out).toContain("tripped: the environment prod kill switch");
      expect(out).toMatch(/did not confirm within [\d.]+ s/);
      expect(out).toContain(`web server ${frozen.id} (`);
      expect(out).not.toContain(`${apps[0].id} (`);
      expect(code).toBe(3);
    } finally {
      frozen.child.kill("SIGCONT");
      await resetKillSwitch({ ...TRIP, reason: "over" }, adminId);
    }
  });
});
