/**
 * Execution throughput: approved requests through pg-boss, the execution worker and the
 * Salesforce sandbox (its own process, on loopback). In one run:
 *
 * 1. the limit: the sandbox driven directly with the connector — single-record PATCHes from 8
 *    callers, and `/composite/sobjects` PATCHes of 200 records — records written per second;
 * 2. one request per call (TOLLGATE_EXECUTION_BATCH_SIZE=1) at worker concurrency 1, 4 and 8;
 * 3. batching (TOLLGATE_EXECUTION_BATCH_SIZE=200): a burst of `--batch-n` approved updates
 *    across 3 objects (Opportunity.NextStep, Lead.Title, Contact.Title) at once — writes/s
 *    against the composite limit — then the same number approved at a steady `--rate` per
 *    second (a queue that is not backlogged) — approve → succeeded p50/p99.
 *
 * Each request targets its own record, so none conflict-checks against another's write; every
 * run checks each request succeeded with exactly one attempt and Salesforce holds its value.
 *   npm run bench:execution [-- --n 300 --concurrency 1,4,8 --batch-n 1000 --batch-concurrency 4 --rate 100]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import { prefixedId } from "@/lib/core/ids";
import { db, disconnectDb, Prisma } from "@/lib/db";
import { demoOrgOnSandbox, type startSandboxProcess } from "./lib/sandbox-process";
import { enqueueAfterCommit } from "@/lib/execution/queue";
import { startWorker } from "@/lib/execution/worker";
import { benchDatabase, runBench } from "./lib/bench-database";
import { dropProxyVariables, env, setEnv } from "@/lib/env";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "300" },
    concurrency: { type: "string", default: "1,4,8" },
    "batch-n": { type: "string", default: "1000" },
    "batch-concurrency": { type: "string", default: "4" },
    rate: { type: "string", default: "100" },
  },
});
const N = Number(values.n);
const LEVELS = values.concurrency.split(",").filter(Boolean).map(Number);
const BATCH_N = Number(values["batch-n"]);
const BATCH_CONCURRENCY = Number(values["batch-concurrency"]);
const RATE = Number(values.rate);
const UNFINISHED = ["approved", "executing", "retrying"] as const;

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p99: pct(s, 0.99) };
};
const ms = (xs: number[]) => {
  const q = quantiles(xs);
  return `p50 ${q.p50.toFixed(0)} ms, p99 ${q.p99.toFixed(0)} ms`;
};
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** When (seconds after `t0`) the slowest 1% by approve → succeeded were approved: a range. */
function slowest(done: { decidedAt: Date | null; completedAt: Date | null }[], t0: number) {
  const by = [...done].sort(
    (a, b) =>
      b.completedAt!.getTime() -
      b.decidedAt!.getTime() -
      (a.completedAt!.getTime() - a.decidedAt!.getTime()),
  );
  const at = by
    .slice(0, Math.max(1, Math.ceil(done.length / 100)))
    .map((r) => (r.decidedAt!.getTime() - t0) / 1000);
  return `${Math.min(...at).toFixed(1)}–${Math.max(...at).toFixed(1)}`;
}

type TObject = "Opportunity" | "Lead" | "Contact";
type TTarget = { object: TObject; id: string; field: "NextStep" | "Title" };
const FIELD: Record<TObject, TTarget["field"]> = {
  Opportunity: "NextStep",
  Lead: "Title",
  Contact: "Title",
};
const LIST: Record<TObject, string> = {
  Opportunity: "SELECT Id FROM Opportunity",
  Lead: "SELECT Id FROM Lead WHERE IsConverted = false",
  Contact: "SELECT Id FROM Contact",
};

async function main() {
  dropProxyVariables();
  const most = Math.max(...LEVELS, BATCH_CONCURRENCY);
  setEnv({
    TOLLGATE_SECRET_KEY: "bench-secret-key",
    TOLLGATE_ALLOW_LOOPBACK: "1", // the bundled sandbox
    // every busy job holds a connection for its Salesforce calls; leave room for claims and the sweep
    DB_POOL_SIZE: String(2 * most + 4),
  });
  const database = await benchDatabase("bench_exec");
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | null = null;
  try {
    const org = await demoOrgOnSandbox();
    sandbox = org.sandbox;
    const { sf } = org;

    // records: at least what the largest run needs of each object (a third each when batching)
    const perObject = Math.max(Math.ceil(N / 3), Math.ceil(BATCH_N / 3));
    const pools = {} as Record<TObject, string[]>;
    let made = 0;
    for (const object of ["Opportunity", "Lead", "Contact"] as TObject[]) {
      const ids = (await sf.query<{ Id: string }>(LIST[object])).records.map((r) => r.Id);
      for (let i = ids.length; i < perObject; i++, made++) {
        const values =
          object === "Opportunity"
            ? { Name: `Throughput ${i}`, StageName: "Prospecting", CloseDate: "2027-06-30" }
            : object === "Lead"
              ? { LastName: `Throughput ${i}`, Company: "Bench Co", Status: "Open - Not Contacted" }
              : { LastName: `Throughput ${i}` };
        ids.push((await sf.create(object, values)).id);
      }
      pools[object] = ids.slice(0, perObject);
    }
    /** `n` targets, a third of each object, each its own record. */
    const targetsOf = (n: number): TTarget[] =>
      Array.from({ length: n }, (_, i) => {
        const object = (["Opportunity", "Lead", "Contact"] as TObject[])[i % 3];
        return { object, id: pools[object][Math.floor(i / 3)], field: FIELD[object] };
      });

    const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    // the demo has no Contact action: the bench adds one, in its own database
    await db.actionType.create({
      data: {
        key: "contact.update_title",
        name: "Update contact title",
        object: "Contact",
        operation: "update",
        fields: ["Title"],
      },
    });
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
      Contact: await shape("lead-enrichment-bot", "lead-enrichment", "contact.update_title"),
    };
    console.log(
      `records: ${perObject} of each of Opportunity (NextStep), Lead (Title), Contact (Title)${made ? `, ${made} made for the bench` : ""}; DB pool ${env().DB_POOL_SIZE}, queue pool ${env().TOLLGATE_QUEUE_POOL_SIZE}`,
    );

    /** What each record holds now, as the agent would have read it when proposing. */
    const currentValues = async () => {
      const out = new Map<string, unknown>();
      for (const object of ["Opportunity", "Lead", "Contact"] as TObject[]) {
        const rows = await sf.query<Record<string, unknown>>(
          `SELECT Id, ${FIELD[object]} FROM ${object}`,
        );
        for (const r of rows.records) out.set(r.Id as string, r[FIELD[object]] ?? null);
      }
      return out;
    };

    // ── 1. the limit: the sandbox driven directly ──
    const limitTargets = targetsOf(Math.min(600, 3 * perObject)).filter(
      (t) => t.object === "Opportunity",
    );
    const single = await (async () => {
      const queue = [...limitTargets];
      const t0 = performance.now();
      let n = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) {
            await sf.update(t.object, t.id, { NextStep: `limit ${n}` });
            n++;
          }
        }),
      );
      return n / ((performance.now() - t0) / 1000);
    })();
    const composite = await (async () => {
      const batch = pools.Opportunity.slice(0, 200);
      const t0 = performance.now();
      const calls = 5;
      for (let c = 0; c < calls; c++) {
        const results = await sf.updateBatch(
          "Opportunity",
          batch.map((id) => ({ id, NextStep: `composite ${c}` })),
          { allOrNone: false },
        );
        if (results.some((r) => !r.success)) throw new Error("a composite write failed");
      }
      return (calls * batch.length) / ((performance.now() - t0) / 1000);
    })();
    console.log(
      `the limit (the sandbox, directly): single-record PATCH from 8 callers ${single.toFixed(0)} records/s; /composite/sobjects PATCH of 200 ${composite.toFixed(0)} records/s`,
    );

    let run = 0;
    /** Approved requests for `targets`, inserted (with their changes) and queued; at `rate`/s when given. */
    const runOnce = async (
      label: string,
      n: number,
      concurrency: number,
      batchSize: number,
      rate?: number,
    ) => {
      setEnv({ TOLLGATE_EXECUTION_BATCH_SIZE: String(batchSize) }, { force: true });
      const tag = `r${run++}`;
      const unexpected: string[] = [];
      let sweepQueued = 0;
      const worker = await startWorker({
        concurrency,
        workerId: `bench-${tag}`,
        log: (line) => {
          if (/: succeeded( \(with \d+ others: \d+ succeeded\))?$/.test(line)) return;
          if (line.startsWith("started")) return;
          const queued = /^queued: (\d+)$/.exec(line);
          if (queued) sweepQueued += Number(queued[1]);
          else unexpected.push(line);
        },
      });
      /** approved now: decidedAt is the approval, then the job; the sweep must never see a request without its change */
      const approve = async (part: ReturnType<typeof rowsFor>) => {
        const at = new Date();
        for (const r of part) r.request.decidedAt = at;
        await db.$transaction([
          db.actionRequest.createMany({ data: part.map((r) => r.request) }),
          db.fieldChange.createMany({ data: part.map((r) => r.change) }),
        ]);
        // as an approval does: jobs queued while the previous INSERT is in flight share the next
        await Promise.all(part.map((r) => enqueueAfterCommit(r.request.id)));
      };
      const rowsFor = (targets: TTarget[], tag: string, before: Map<string, unknown>) =>
        targets.map((t, i) => {
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
      {
        // a worker just started pays its first queries' costs: a running system's figures start
        // after a warm-up request per object, which they leave out
        const warm = rowsFor(targetsOf(3), `${tag}w`, await currentValues());
        await approve(warm);
        const warmIds = warm.map((r) => r.request.id);
        while (
          await db.actionRequest.count({
            where: { id: { in: warmIds }, status: { in: [...UNFINISHED] } },
          })
        )
          await sleep(50);
      }
      const rows = rowsFor(targetsOf(n), tag, await currentValues());
      const ids = rows.map((r) => r.request.id);
      const t0 = Date.now();
      if (!rate) await approve(rows);
      else {
        // every 100 ms a tenth of a second's worth
        const step = Math.max(1, Math.round(rate / 10));
        for (let i = 0; i < rows.length; i += step) {
          const due = t0 + (i / rate) * 1000;
          if (due > Date.now()) await sleep(due - Date.now());
          await approve(rows.slice(i, i + step));
        }
      }
      const deadline = Date.now() + 120_000 + (n * 1000) / concurrency;
      for (;;) {
        const open = await db.actionRequest.count({
          where: { id: { in: ids }, status: { in: [...UNFINISHED] } },
        });
        if (open === 0) break;
        if (Date.now() > deadline) throw new Error(`${open} requests still unfinished (${label})`);
        await sleep(50);
      }
      await worker.stop();

      const done = await db.actionRequest.findMany({
        where: { id: { in: ids } },
        select: {
          id: true,
          status: true,
          decidedAt: true,
          executedAt: true,
          completedAt: true,
          lastErrorMessage: true,
          attemptsLog: { select: { startedAt: true, finishedAt: true, connectorCalls: true } },
        },
      });
      const failed = done.filter((r) => r.status !== "succeeded");
      if (failed.length) {
        throw new Error(
          `${failed.length} of ${ids.length} did not succeed (${label}), e.g. ${failed[0].id}: ${failed[0].status} ${failed[0].lastErrorMessage ?? ""}`,
        );
      }
      const attempts = done.flatMap((r) => r.attemptsLog);
      if (attempts.length !== ids.length || done.some((r) => r.attemptsLog.length !== 1)) {
        throw new Error(
          `${attempts.length} execution attempts for ${ids.length} requests (${label})`,
        );
      }
      const after = await currentValues();
      const missing = rows.filter((r) => after.get(r.request.recordId) !== r.change.newValue);
      if (missing.length)
        throw new Error(`${missing.length} proposed values are not in Salesforce (${label})`);
      const batched = attempts.filter((a) =>
        (a.connectorCalls as { op: string }[]).some((c) => c.op === "update_batch"),
      ).length;

      const last = Math.max(...done.map((r) => r.completedAt!.getTime()));
      const wall = (last - t0) / 1000;
      const perSecond = ids.length / wall;
      const approveToDone = done.map((r) => r.completedAt!.getTime() - r.decidedAt!.getTime());
      console.log(
        [
          `${label}: ${ids.length} requests in ${wall.toFixed(1)} s = ${perSecond.toFixed(1)} writes/s${rate ? ` (approved at ${rate}/s)` : ""}`,
          `  approve → succeeded (decidedAt → completedAt): ${ms(approveToDone)}`,
          `  approve → claim (decidedAt → executedAt):      ${ms(done.map((r) => r.executedAt!.getTime() - r.decidedAt!.getTime()))}`,
          `  claim → succeeded (executedAt → completedAt):  ${ms(done.map((r) => r.completedAt!.getTime() - r.executedAt!.getTime()))}`,
          `  ${ids.length} succeeded, one attempt each, ${batched} of them written in a batch, every value read back from Salesforce${sweepQueued ? `; the sweep also queued ${sweepQueued}` : ""}`,
          `  the slowest 1% were approved at ${slowest(done, t0)} s into the run`,
          ...unexpected.slice(0, 5).map((l) => `  worker said: ${l}`),
        ].join("\n"),
      );
      return { perSecond, approveToDone: quantiles(approveToDone) };
    };

    // ── 2. one request per call ──
    for (const concurrency of LEVELS) {
      await runOnce(`one per call, concurrency ${concurrency}`, N, concurrency, 1);
    }
    // ── 3. batching ──
    if (BATCH_N > 0) {
      const burst = await runOnce(
        `batches of ≤ 200, concurrency ${BATCH_CONCURRENCY}, ${BATCH_N} at once`,
        BATCH_N,
        BATCH_CONCURRENCY,
        200,
      );
      const paced = await runOnce(
        `batches of ≤ 200, concurrency ${BATCH_CONCURRENCY}, steady arrivals`,
        BATCH_N,
        BATCH_CONCURRENCY,
        200,
        RATE,
      );
      const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
      console.log(
        [
          `targets: batching ≥ 200 writes/s: ${burst.perSecond.toFixed(0)} writes/s = ${((100 * burst.perSecond) / composite).toFixed(0)}% of the sandbox's composite limit (${composite.toFixed(0)} records/s) — ${verdict(burst.perSecond >= 200)}`,
          `         approve → succeeded p99 ≤ 2 s, not backlogged (${RATE}/s): ${paced.approveToDone.p99.toFixed(0)} ms — ${verdict(paced.approveToDone.p99 <= 2000)}`,
        ].join("\n"),
      );
    }
  } finally {
    await sandbox?.stop();
    await disconnectDb();
    await database.drop();
  }
}

runBench(main);
