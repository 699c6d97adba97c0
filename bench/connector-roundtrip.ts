/**
 * Connector round-trip overhead against the sandbox (run as its own process, on loopback):
 * median and p99 per operation through the jsforce connector, next to a bare `fetch` of the
 * same GET to show what the connector adds; then batch-update throughput (records/s).
 *   npm run bench:connector [-- --n 300]
 */
import { parseArgs } from "node:util";
import { SalesforceConnector } from "@/lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS, demoRecordIds } from "@/lib/connectors/salesforce-sandbox";
import { startSandboxProcess } from "./lib/sandbox-process";
import { dropProxyVariables } from "@/lib/env";

const { values } = parseArgs({ options: { n: { type: "string", default: "300" } } });
const N = Number(values.n);

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p99: q(0.99) };
}

async function time(n: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return stats(out);
}

async function main() {
  dropProxyVariables();
  const { url, child } = await startSandboxProcess();
  try {
    const sf = new SalesforceConnector({
      loginUrl: url,
      apiVersion: "62.0",
      ...DEFAULT_SANDBOX_CREDENTIALS,
    });
    const ids = demoRecordIds();
    const opp = (i: number) => ids.opportunities[i % ids.opportunities.length];
    await sf.login();
    const token = await fetch(`${url}/services/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
        client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
        username: DEFAULT_SANDBOX_CREDENTIALS.username,
        password: DEFAULT_SANDBOX_CREDENTIALS.password,
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);

    const rows: [string, { median: number; p99: number }][] = [];
    rows.push([
      "baseline: bare fetch GET record",
      await time(N, (i) =>
        fetch(`${url}/services/data/v62.0/sobjects/Opportunity/${opp(i)}?fields=StageName`, {
          headers: { authorization: `Bearer ${token.access_token}` },
        }).then((r) => r.json()),
      ),
    ]);
    rows.push([
      "read (GET record)",
      await time(N, (i) => sf.read("Opportunity", opp(i), ["StageName", "Amount"])),
    ]);
    rows.push([
      "update (PATCH, If-Unmodified-Since)",
      await time(N, async (i) => {
        await sf.update(
          "Opportunity",
          opp(i),
          { NextStep: `bench ${i}` },
          { ifUnmodifiedSince: new Date(Date.now() + 5_000) },
        );
      }),
    ]);
    rows.push([
      "create (POST Lead)",
      await time(N, (i) =>
        sf.create("Lead", {
          LastName: `Bench ${i}`,
          Company: "Bench Co",
          Status: "Open - Not Contacted",
        }),
      ),
    ]);
    rows.push([
      "query (SOQL, 50 rows)",
      await time(N, () =>
        sf.query("SELECT Id, StageName, Amount FROM Opportunity WHERE IsClosed = false LIMIT 50"),
      ),
    ]);
    rows.push([
      "describe Opportunity",
      await time(Math.min(N, 100), () => sf.describe("Opportunity")),
    ]);

    console.log(
      `Connector round trips against the sandbox on loopback (n=${N} each, after warm-up)`,
    );
    console.log("operation".padEnd(40) + "median ms".padStart(12) + "p99 ms".padStart(10));
    for (const [name, s] of rows)
      console.log(
        name.padEnd(40) + s.median.toFixed(2).padStart(12) + s.p99.toFixed(2).padStart(10),
      );
    const base = rows[0][1].median;
    console.log(
      `connector overhead on a read vs bare fetch: ${(rows[1][1].median - base).toFixed(2)} ms (median)`,
    );

    const batches = 25;
    // 200 distinct open leads made for the purpose (ids may not repeat within one call)
    const records: string[] = [];
    for (let i = 0; i < 200; i++) {
      records.push(
        (
          await sf.create("Lead", {
            LastName: `Batch ${i}`,
            Company: "Batch Co",
            Status: "Open - Not Contacted",
          })
        ).id,
      );
    }
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      const res = await sf.updateBatch(
        "Lead",
        records.map((id) => ({ id, Title: `Batch title ${b}` })),
      );
      const failed = res.find((r) => !r.success);
      if (failed) throw new Error(`batch failed: ${JSON.stringify(failed)}`);
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `batch update (composite/sobjects, 200 per call, allOrNone): ${Math.round((batches * 200) / secs)} records/s over ${batches} calls (${((secs / batches) * 1000).toFixed(1)} ms per call)`,
    );
  } finally {
    child.kill("SIGTERM");
  }
}

void main();
