/**
 * Export of an audit lane (issue 12): N sealed events of one lane (default 1M, generated in bulk
 * and sealed), a signed checkpoint of its head, then the export service (lib/audit/export-lane.ts,
 * what GET /api/internal/audit/export streams) read to the end: events/s, MB/s, and this process's
 * RSS sampled every 50 ms during the export (peak, and at each quarter: flat means the stream holds
 * a page, not the lane). Beside it, the floor on the same machine in the same run: psql's
 * `COPY (select the same columns … where lane = … order by seq) TO STDOUT`, its bytes counted here
 * (pg-copy-streams is not installed).
 *   flock /tmp/tollgate-bench.lock npm run bench:audit-export [-- --events 1000000]
 * Uses DATABASE_URL's server, else an embedded PostgreSQL; makes and drops its own database.
 */
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { setEnv } from "@/lib/env";
import { appendMany } from "../tests/integration/fixtures/audit-bulk";
import { benchDatabase, loadAverage } from "./lib/bench-database";

const { values } = parseArgs({ options: { events: { type: "string", default: "1000000" } } });
const EVENTS = Number(values.events);
const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;

/** The floor: psql streams the same columns of the lane in seq order; bytes counted, thrown away. */
function copyFloor(url: string, throughSeq: number) {
  return new Promise<{ seconds: number; bytes: number; rows: number }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      "psql",
      [
        "-qX",
        url,
        "-c",
        `copy (select id, seq, lane, "createdAt", "actorType", "actorAgentId", "actorUserId", action,
           "subjectType", "subjectId", "environmentId", object, "recordId", field, "oldValue",
           "newValue", "reasonCode", "reasonText", source, evidence, payload, "contentHash",
           "prevHash", hash, "sealedAt" from "AuditEvent"
           where lane = 'execution' and seq is not null and seq <= ${throughSeq} order by seq) to stdout`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let bytes = 0;
    let rows = 0;
    child.stdout.on("data", (d: Buffer) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) rows++;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve({ seconds: (performance.now() - started) / 1000, bytes, rows })
        : reject(new Error(`psql exited ${code}`)),
    );
  });
}

async function main() {
  const database = await benchDatabase("audit_export");
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-bench-export-"));
  const keyFile = path.join(keyDir, "key.pem");
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  fs.writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  setEnv({ TOLLGATE_AUDIT_SIGNING_KEY_FILE: keyFile }, { force: true });
  const audit = await import("@/lib/audit");
  const { disconnectDb } = await import("@/lib/db");
  const owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
  try {
    const genStart = Date.now();
    const CHUNK = 50_000;
    for (let n = 0; n < EVENTS; n += CHUNK) {
      await appendMany(owner, Math.min(CHUNK, EVENTS - n), { prefix: `x${n}` });
      for (;;) {
        const { rows } = await owner.query(`select tollgate_seal_audit('execution', 100000) as n`);
        if (rows[0].n < 100000) break;
      }
    }
    await audit.publishCheckpoints(owner, audit.loadSigningKey());
    await owner.query(`vacuum analyze "AuditEvent"`);
    console.log(
      `generated, sealed and signed ${EVENTS} events of the execution lane in ${((Date.now() - genStart) / 1000).toFixed(0)} s`,
    );

    console.log(`load average ${loadAverage()} before the floor`);
    const floor = await copyFloor(database.url, EVENTS);

    console.log(`load average ${loadAverage()} before the export`);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let heapPeak = 0;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, 50);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const { stream, header } = await audit.openAuditExport({ lane: "execution" });
    let bytes = 0;
    let lines = 0;
    let quarter = 1;
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
      if (lines >= (quarter * (EVENTS + 1)) / 4) {
        samples.push(process.memoryUsage().rss);
        quarter++;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    const events = lines - 1;
    if (events !== EVENTS || header.throughSeq !== EVENTS)
      throw new Error(
        `exported ${events} events through seq ${header.throughSeq}, expected ${EVENTS}`,
      );

    console.log(
      `\nexport of the execution lane (lib/audit/export-lane.ts, pages of ${audit.EXPORT_PAGE}): ${events} events, ${mb(bytes)} JSONL in ${seconds.toFixed(1)} s`,
    );
    console.log(
      `  ${Math.round(events / seconds)} events/s, ${(bytes / MB / seconds).toFixed(1)} MB/s; this process's CPU ${((used.user + used.system) / 1e6).toFixed(1)} s`,
    );
    console.log(
      `  RSS ${mb(rssBefore)} before, peak ${mb(peak)} during (+${mb(peak - rssBefore)}), at each quarter ${samples.map(mb).join(", ")}; heap peak ${mb(heapPeak)}`,
    );
    console.log(
      `the floor (psql COPY … TO STDOUT, same columns, seq order): ${floor.rows} rows, ${mb(floor.bytes)} in ${floor.seconds.toFixed(1)} s = ${Math.round(floor.rows / floor.seconds)} rows/s, ${(floor.bytes / MB / floor.seconds).toFixed(1)} MB/s`,
    );
    console.log(
      `  the export runs at ${((events / seconds / (floor.rows / floor.seconds)) * 100).toFixed(0)}% of the floor's rows/s`,
    );
    console.log(`load average ${loadAverage()} at the end`);
  } finally {
    await owner.end();
    await disconnectDb();
    await database.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
