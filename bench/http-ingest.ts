/**
 * HTTP ingest of the agent API (auth + rate limits + policy + persist + audit) through the
 * production server (`next start`) against local PostgreSQL, next to pgbench running an
 * equivalent transaction on the same database in the same run.
 *   npm run bench:ingest [-- --concurrency 16 --seconds 10]
 * Uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres); makes
 * and drops its own database. Needs `pgbench` on PATH for the comparison.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { dropDatabase, ensureDatabase, migrateDeploy, withDatabaseName } from "@/lib/db/admin";
import { freePort } from "@/lib/db/embedded";
import { buildIfNeeded, nextStartArgs } from "../scripts/lib/runtime";
import { childEnv, env, setEnv } from "@/lib/env";

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "16" },
    seconds: { type: "string", default: "10" },
  },
});
const C = Number(values.concurrency);
const SECONDS = Number(values.seconds);

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main() {
  const server = env().DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const url = withDatabaseName(server, `tollgate_bench_${Date.now().toString(36)}`);
  setEnv({ DATABASE_URL: url }, { force: true });
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key", TOLLGATE_ALLOW_LOOPBACK: "1" }); // the bundled sandbox
  await buildIfNeeded();
  await ensureDatabase(url);
  await migrateDeploy(url);
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { pointDemoEnvironmentsAt } = await import("@/lib/environments");
  const { createApiKey } = await import("@/lib/agents/api-keys");
  const { createSandboxServer } = await import("@/lib/connectors/salesforce-sandbox");
  const { db, disconnectDb } = await import("@/lib/db");
  await seedDemoOrg({ history: false });
  const sandbox = await createSandboxServer({ seed: "none", dailyApiLimit: 100_000_000 });
  await pointDemoEnvironmentsAt(sandbox.url);
  const agent = await db.agent.findFirstOrThrow({
    where: { slug: "lead-enrichment-bot", environment: { slug: "prod" } },
  });
  await db.agent.update({
    where: { id: agent.id },
    data: { callsPerMinute: 10_000_000, writesPerHour: 10_000_000 },
  });
  const key = (await createApiKey({ agentSlug: agent.slug, envSlug: "prod" })).plaintext;
  const keyRow = await db.apiKey.findFirstOrThrow({ where: { agentId: agent.id } });

  const port = await freePort();
  const app = spawn(process.execPath, nextStartArgs(port), {
    stdio: ["ignore", "pipe", "inherit"],
    env: childEnv({
      NEXTAUTH_SECRET: "bench",
      NEXTAUTH_URL: `http://localhost:${port}`,
      NEXT_TELEMETRY_DISABLED: "1",
      DB_POOL_SIZE: String(C),
    }),
  });
  await new Promise<void>((resolve) =>
    app.stdout!.on("data", (d) => String(d).includes("Ready") && resolve()),
  );
  const base = `http://127.0.0.1:${port}/api/agent/v1/action-requests`;
  let seq = 0;
  const body = () =>
    JSON.stringify({
      idempotencyKey: `bench-${process.pid}-${seq++}`,
      workflow: { key: "lead-enrichment" },
      actionType: "lead.create",
      target: { system: "salesforce", object: "Lead", recordId: null },
      changes: {
        FirstName: "Ada",
        LastName: `Bench ${seq}`,
        Company: "Bench Co",
        Email: `ada${seq}@bench.example`,
        LeadSource: "Web",
      },
      reason: { code: "INBOUND_FORM", text: "Demo request form" },
      evidence: [{ type: "form_submission", ref: `hubspot:form/${seq}` }],
    });
  const send = async () => {
    const t = process.hrtime.bigint();
    const res = await fetch(base, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body(),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`unexpected ${res.status}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < 200; i++) await send(); // warm-up: JIT, caches, describe
  const latencies: number[] = [];
  const until = Date.now() + SECONDS * 1000;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (Date.now() < until) latencies.push(await send());
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  app.kill("SIGTERM");
  latencies.sort((a, b) => a - b);
  const httpRate = latencies.length / elapsed;

  // pgbench: the same transaction the ingest path commits, as plain SQL on the same database
  let pgbenchTps: number | null = null;
  try {
    const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tg-pgbench-")), "ingest.sql");
    const fieldRows = ["FirstName", "LastName", "Company", "Email", "LeadSource"]
      .map((f) => `(md5(random()::text), 'pgb-' || :id, '${f}', '"v"', '"v"')`)
      .join(", ");
    fs.writeFileSync(
      script,
      `\\set id random(1, 9000000000000000000)
BEGIN;
SELECT k.id, k.hash, a.status FROM "ApiKey" k JOIN "Agent" a ON a.id = k."agentId" WHERE k.prefix = '${keyRow.prefix}';
INSERT INTO "RateLimitCounter" ("agentId", kind, "windowStart", count) VALUES ('${agent.id}', 'calls_minute', date_trunc('minute', now()), 1) ON CONFLICT ("agentId", kind, "windowStart") DO UPDATE SET count = "RateLimitCounter".count + 1 RETURNING count;
INSERT INTO "RateLimitCounter" ("agentId", kind, "windowStart", count) VALUES ('${agent.id}', 'writes_hour', date_trunc('hour', now()), 1) ON CONFLICT ("agentId", kind, "windowStart") DO UPDATE SET count = "RateLimitCounter".count + 1 RETURNING count;
SELECT id FROM "ActionRequest" WHERE "agentId" = '${agent.id}' AND "idempotencyKey" = 'pgb-' || :id;
INSERT INTO "ActionRequest" (id, "agentId", "environmentId", "idempotencyKey", "bodyHash", object, status, "decisionOutcome", "decisionReasons", evidence, "updatedAt") VALUES ('pgb-' || :id, '${agent.id}', '${agent.environmentId}', 'pgb-' || :id, md5(random()::text), 'Lead', 'auto_approved', 'auto_approved', ARRAY['Matrix: auto'], '[]', now());
INSERT INTO "FieldChange" (id, "actionRequestId", field, "oldValue", "newValue") VALUES ${fieldRows};
INSERT INTO "AuditLaneHead" (lane, seq, hash, "updatedAt") VALUES ('execution', 0, 'x', now()) ON CONFLICT DO NOTHING;
SELECT seq, hash FROM "AuditLaneHead" WHERE lane = 'execution' FOR UPDATE;
UPDATE "AuditLaneHead" SET seq = seq + 1, hash = md5(random()::text), "updatedAt" = now() WHERE lane = 'execution' RETURNING seq \\gset
INSERT INTO "AuditEvent" (lane, seq, "actorType", "actorAgentId", action, "subjectType", "subjectId", payload, "prevHash", hash) VALUES ('execution', :seq, 'agent', '${agent.id}', 'action_request.created', 'action_request', 'pgb-' || :id, '{}', 'x', md5(random()::text));
END;
`,
    );
    const out = execFileSync(
      "pgbench",
      ["-n", "-c", String(C), "-j", "2", "-T", String(SECONDS), "-f", script, url],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    pgbenchTps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  } catch (e) {
    console.error(`pgbench did not run: ${(e as Error).message.split("\n")[0]}`);
  }

  console.log(
    `HTTP ingest through next start: POST lead.create (auto_approved), concurrency ${C}, ${elapsed.toFixed(1)} s`,
  );
  console.log(
    `  ${Math.round(httpRate)} requests/s, p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms (${latencies.length} requests)`,
  );
  if (pgbenchTps) {
    console.log(
      `pgbench, the equivalent transaction (auth read, 2 rate counters, idempotency read, request, 5 field changes, audit lane append), concurrency ${C}:`,
    );
    console.log(`  ${Math.round(pgbenchTps)} transactions/s`);
    console.log(`ratio HTTP / pgbench: ${((httpRate / pgbenchTps) * 100).toFixed(0)}%`);
  }
  await sandbox.close();
  await disconnectDb();
  await dropDatabase(url);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
