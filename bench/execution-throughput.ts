/**
 * Execution throughput: approved requests through pg-boss, the execution worker and the
 * Salesforce sandbox (its own process, on loopback), at worker concurrency 1, 4 and 8. Each
 * run gets fresh requests, one per record so none conflict-checks against another's write:
 * NextStep on the 150 demo opportunities, Title on open leads (made in the sandbox first when
 * the demo's are not enough). Checks every request succeeded with exactly one attempt and that
 * Salesforce holds every proposed value.
 *   npm run bench:execution [-- --n 600 --concurrency 1,4,8]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import { SalesforceConnector } from "@/lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS } from "@/lib/connectors/salesforce-sandbox";
import { prefixedId } from "@/lib/core/ids";
import { db, disconnectDb, Prisma } from "@/lib/db";
import { startSandboxProcess } from "./lib/sandbox-process";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { enqueueExecution } from "@/lib/execution/queue";
import { startWorker } from "@/lib/execution/worker";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { benchDatabase, loadAverage } from "./lib/bench-database";
import { dropProxyVariables, env, setEnv } from "@/lib/env";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "600" },
    concurrency: { type: "string", default: "1,4,8" },
  },
});
const N = Number(values.n);
const LEVELS = values.concurrency.split(",").map(Number);
const UNFINISHED = ["approved", "executing", "retrying"] as const;

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const ms = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 0.5).toFixed(0)} ms, p99 ${pct(s, 0.99).toFixed(0)} ms`;
};

type TTarget = { object: "Opportunity" | "Lead"; id: string; field: "NextStep" | "Title" };

async function main() {
  dropProxyVariables();
  setEnv({
    TOLLGATE_SECRET_KEY: "bench-secret-key",
    TOLLGATE_ALLOW_LOOPBACK: "1", // the bundled sandbox
    // every busy job holds a connection for its Salesforce calls; leave room for claims and the sweep
    DB_POOL_SIZE: String(2 * Math.max(...LEVELS) + 4),
  });
  const started = Date.now();
  const database = await benchDatabase("bench_exec");
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | null = null;
  try {
    await seedDemoOrg({ history: false });
    sandbox = await startSandboxProcess();
    await pointDemoEnvironmentsAt(sandbox.url);
    const sf = new SalesforceConnector({
      loginUrl: sandbox.url,
      apiVersion: "62.0",
      ...DEFAULT_SANDBOX_CREDENTIALS,
    });

    const opportunities = (await sf.query<{ Id: string }>("SELECT Id FROM Opportunity")).records;
    const leads = (
      await sf.query<{ Id: string }>("SELECT Id FROM Lead WHERE IsConverted = false")
    ).records.map((r) => r.Id);
    const made = Math.max(0, N - opportunities.length - leads.length);
    for (let i = 0; i < made; i++) {
      const { id } = await sf.create("Lead", {
        LastName: `Throughput ${i}`,
        Company: "Bench Co",
        Status: "Open - Not Contacted",
      });
      leads.push(id);
    }
    const targets: TTarget[] = [
      ...opportunities.map((r) => ({
        object: "Opportunity" as const,
        id: r.Id,
        field: "NextStep" as const,
      })),
      ...leads.map((id) => ({ object: "Lead" as const, id, field: "Title" as const })),
    ].slice(0, N);

    const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    const shape = async (agentSlug: string, workflowKey: string, actionType: string) => ({
      agent: await db.agent.findFirstOrThrow({
        where: { slug: agentSlug, environmentId: prod.id },
      }),
      version: await db.workflowVersion.findFirstOrThrow({
        where: { workflow: { key: workflowKey }, status: "published" },
        orderBy: { version: "asc" },
      }),
      actionType: await db.actionType.findUniqueOrThrow({ where: { key: actionType } }),
    });
    const shapes = {
      Opportunity: await shape(
        "pipeline-hygiene-bot",
        "pipeline-hygiene",
        "opportunity.change_stage",
      ),
      Lead: await shape("lead-enrichment-bot", "lead-enrichment", "lead.enrich"),
    };
    console.log(
      `${targets.length} requests per run (${targets.filter((t) => t.object === "Opportunity").length} opportunities: NextStep, ${targets.filter((t) => t.object === "Lead").length} leads: Title${made ? `, ${made} of them made for the bench` : ""}); DB pool ${env().DB_POOL_SIZE}, queue pool ${env().TOLLGATE_QUEUE_POOL_SIZE}`,
    );

    /** What each record holds now, as the agent would have read it when proposing. */
    const currentValues = async () => {
      const read = async (soql: string, field: string) =>
        (await sf.query<Record<string, unknown>>(soql)).records.map(
          (r) => [r.Id as string, r[field] ?? null] as const,
        );
      return new Map([
        ...(await read("SELECT Id, NextStep FROM Opportunity", "NextStep")),
        ...(await read("SELECT Id, Title FROM Lead WHERE IsConverted = false", "Title")),
      ]);
    };

    for (const concurrency of LEVELS) {
      const before = await currentValues();
      const tag = `c${concurrency}`;
      const rows = targets.map((t, i) => {
        const s = shapes[t.object];
        const id = prefixedId("ar");
        const old = before.get(t.id) ?? null;
        return {
          request: {
            id,
            agentId: s.agent.id,
            environmentId: prod.id,
            workflowVersionId: s.version.id,
            actionTypeId: s.actionType.id,
            idempotencyKey: `bench-${tag}-${i}`,
            bodyHash: id,
            object: t.object,
            recordId: t.id,
            status: "approved" as const,
            decisionOutcome: "pending_approval",
            decisionMode: "human_in_the_loop" as const,
            decisionRule: `${s.actionType.key}/default`,
            approverRole: "sales_ops",
            requiredApprovals: 1,
            reasonCode: "HYGIENE",
            reasonText: "execution throughput bench",
            evidence: [{ type: "crm_activity", ref: `bench/${tag}/${i}` }],
            before: { [t.field]: old } as Prisma.InputJsonValue,
            decidedAt: new Date(),
          },
          change: {
            actionRequestId: id,
            field: t.field,
            oldValue: old === null ? Prisma.DbNull : (old as Prisma.InputJsonValue),
            newValue: `Bench ${tag} #${i}`,
          },
        };
      });
      const ids = rows.map((r) => r.request.id);
      const unexpected: string[] = [];
      let sweepQueued = 0;
      const worker = await startWorker({
        concurrency,
        workerId: `bench-${tag}`,
        log: (line) => {
          if (line.endsWith(": succeeded") || line.startsWith("started")) return;
          const queued = /^queued: (\d+)$/.exec(line);
          if (queued) sweepQueued += Number(queued[1]);
          else unexpected.push(line);
        },
      });
      // requests and their changes land together: the sweep must never see one without the other
      await db.$transaction([
        db.actionRequest.createMany({ data: rows.map((r) => r.request) }),
        db.fieldChange.createMany({ data: rows.map((r) => r.change) }),
      ]);
      const t0 = Date.now();
      const queuedAt = new Map<string, number>();
      await Promise.all(
        ids.map(async (id) => {
          queuedAt.set(id, Date.now());
          await enqueueExecution(id);
        }),
      );
      const enqueueMs = Date.now() - t0;
      // generous: twice what one job per worker every half second would take
      const deadline = Date.now() + 60_000 + (N * 1000) / concurrency;
      for (;;) {
        const open = await db.actionRequest.count({
          where: { id: { in: ids }, status: { in: [...UNFINISHED] } },
        });
        if (open === 0) break;
        if (Date.now() > deadline) throw new Error(`${open} requests still unfinished (${tag})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await worker.stop();

      const done = await db.actionRequest.findMany({
        where: { id: { in: ids } },
        select: {
          id: true,
          status: true,
          executedAt: true,
          completedAt: true,
          lastErrorMessage: true,
          attemptsLog: { select: { startedAt: true, finishedAt: true, outcome: true } },
        },
      });
      const failed = done.filter((r) => r.status !== "succeeded");
      if (failed.length) {
        throw new Error(
          `${failed.length} of ${ids.length} did not succeed (${tag}), e.g. ${failed[0].id}: ${failed[0].status} ${failed[0].lastErrorMessage ?? ""}`,
        );
      }
      const attempts = done.flatMap((r) => r.attemptsLog);
      if (attempts.length !== ids.length || done.some((r) => r.attemptsLog.length !== 1)) {
        throw new Error(
          `${attempts.length} execution attempts for ${ids.length} requests (${tag})`,
        );
      }
      const after = await currentValues();
      const missing = rows.filter((r) => after.get(r.request.recordId) !== r.change.newValue);
      if (missing.length)
        throw new Error(`${missing.length} proposed values are not in Salesforce (${tag})`);

      const last = Math.max(...done.map((r) => r.completedAt!.getTime()));
      const wall = (last - t0) / 1000;
      const line = [
        `concurrency ${concurrency}: ${ids.length} requests in ${wall.toFixed(1)} s = ${(ids.length / wall).toFixed(1)} requests/s`,
        `  claim → succeeded (executedAt → completedAt): ${ms(done.map((r) => r.completedAt!.getTime() - r.executedAt!.getTime()))}`,
        `  execution attempt (startedAt → finishedAt):   ${ms(attempts.map((a) => a.finishedAt!.getTime() - a.startedAt.getTime()))}`,
        `  queued → succeeded (includes waiting):         ${ms(done.map((r) => r.completedAt!.getTime() - queuedAt.get(r.id)!))}`,
        `  ${ids.length} succeeded, ${attempts.length} attempts (one each), every value read back from Salesforce; enqueue took ${enqueueMs} ms${sweepQueued ? `, the sweep also queued ${sweepQueued}` : ""}`,
        ...unexpected.slice(0, 5).map((l) => `  worker said: ${l}`),
      ].join("\n");
      console.log(line);
    }
  } finally {
    if (sandbox) {
      const exited = new Promise((r) => sandbox!.child.once("exit", r));
      sandbox.child.kill("SIGTERM");
      await exited;
    }
    await disconnectDb();
    await database.drop();
  }
  console.log(
    `bench took ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadAverage()} at the end`,
  );
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
