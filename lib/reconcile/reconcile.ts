import "server-only";
import { connectRuntimeClient, db, Prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { connectorFor } from "@/lib/environments";
import { fieldHistoryOf, type SalesforceConnector } from "@/lib/connectors/salesforce";
import { sameValue } from "@/lib/execution/values";

/** Records read per Salesforce call (the composite retrieve's limit). */
const CHUNK = 200;
/** Drifted records whose field history is read to say who changed them (one call each). */
const HISTORY_LOOKUPS = 200;

type TEnvironment = NonNullable<Awaited<ReturnType<typeof db.environment.findUnique>>>;

type TWrite = {
  requestId: string;
  object: string;
  recordId: string;
  field: string;
  recorded: unknown;
};

type TFinding = TWrite & {
  kind: "drift" | "missing" | "unreadable";
  current: unknown;
  changedBy: string | null;
  changedAt: Date | null;
};

/**
 * The last value Tollgate wrote to each (record, field) whose write finished in the window: a
 * field a later Tollgate write (or revert) changed again is that later write's to check, and a
 * field a revert restored is not Tollgate's value any more.
 */
async function writesIn(environmentId: string, from: Date, to: Date): Promise<TWrite[]> {
  return db.$queryRaw<TWrite[]>`
    select r.id as "requestId", r.object, coalesce(r."recordId", r."resultRecordId") as "recordId",
      f.field, coalesce(f."appliedValue", f."newValue") as recorded
    from "ActionRequest" r join "FieldChange" f on f."actionRequestId" = r.id
    where r."environmentId" = ${environmentId}
      and r."completedAt" >= ${from.toISOString()}::timestamptz at time zone 'UTC'
      and r."completedAt" < ${to.toISOString()}::timestamptz at time zone 'UTC'
      and r.status in ('succeeded', 'reverted') and f."revertedAt" is null
      and coalesce(r."recordId", r."resultRecordId") is not null
      and not exists (
        select 1 from "ActionRequest" r2 join "FieldChange" f2 on f2."actionRequestId" = r2.id
        where r2."environmentId" = r."environmentId" and r2.object = r.object
          and (left(r2."recordId", 15) = left(coalesce(r."recordId", r."resultRecordId"), 15)
            or left(r2."resultRecordId", 15) = left(coalesce(r."recordId", r."resultRecordId"), 15))
          and f2.field = f.field and r2.status in ('succeeded', 'reverted')
          and r2."completedAt" > r."completedAt")
    order by r.object, 3, f.field`;
}

/** Who last changed each drifted field, from the record's field history (best effort). */
async function whoChanged(sf: SalesforceConnector, drifts: TFinding[]) {
  const byRecord = new Map<string, TFinding[]>();
  for (const d of drifts) {
    const key = `${d.object}|${d.recordId}`;
    byRecord.set(key, [...(byRecord.get(key) ?? []), d]);
  }
  const users = new Set<string>();
  const seen: { finding: TFinding; userId: string }[] = [];
  for (const list of [...byRecord.values()].slice(0, HISTORY_LOOKUPS)) {
    const { object, recordId } = list[0];
    const h = fieldHistoryOf(object);
    if (!h || !/^[a-zA-Z0-9]{15,18}$/.test(recordId)) continue;
    const fields = [...new Set(list.map((d) => d.field))].filter((f) => /^\w+$/.test(f));
    try {
      const { records } = await sf.query<{
        Field: string;
        CreatedDate: string;
        CreatedById: string;
      }>(
        `SELECT Field, CreatedDate, CreatedById FROM ${h.name} WHERE ${h.parent} = '${recordId}' AND Field IN (${fields.map((f) => `'${f}'`).join(",")}) ORDER BY CreatedDate DESC`,
        { maxRecords: 200 },
      );
      for (const d of list) {
        const last = records.find((r) => r.Field === d.field);
        if (!last) continue;
        d.changedAt = new Date(last.CreatedDate);
        users.add(last.CreatedById);
        seen.push({ finding: d, userId: last.CreatedById });
      }
    } catch {
      // no field history for this object or field: who changed it stays unknown
    }
  }
  const ids = [...users].filter((u) => /^[a-zA-Z0-9]{15,18}$/.test(u));
  const names = new Map<string, string>();
  if (ids.length) {
    const { records } = await sf
      .query<{ Id: string; Name: string }>(
        `SELECT Id, Name FROM User WHERE Id IN (${ids.map((u) => `'${u}'`).join(",")})`,
      )
      .catch(() => ({ records: [] as { Id: string; Name: string }[] }));
    for (const u of records) names.set(u.Id, u.Name);
  }
  for (const s of seen) s.finding.changedBy = names.get(s.userId) ?? s.userId;
}

/** Read each record back and compare each recorded write (one composite call per 200 records). */
async function compare(sf: SalesforceConnector, writes: TWrite[]) {
  const findings: TFinding[] = [];
  let matched = 0;
  const byObject = new Map<string, TWrite[]>();
  for (const w of writes) byObject.set(w.object, [...(byObject.get(w.object) ?? []), w]);
  for (const [object, list] of byObject) {
    const records = [...new Set(list.map((w) => w.recordId))];
    const fields = [...new Set(list.map((w) => w.field))];
    for (let i = 0; i < records.length; i += CHUNK) {
      const ids = records.slice(i, i + CHUNK);
      const mine = list.filter((w) => ids.includes(w.recordId));
      let read: Awaited<ReturnType<SalesforceConnector["retrieveBatch"]>>;
      try {
        read = await sf.retrieveBatch(object, ids, fields);
      } catch (e) {
        const why = (e as Error).message ?? String(e);
        for (const w of mine)
          findings.push({
            ...w,
            kind: "unreadable",
            current: why,
            changedBy: null,
            changedAt: null,
          });
        continue;
      }
      const at = new Map(ids.map((id, k) => [id, read[k]]));
      for (const w of mine) {
        const got = at.get(w.recordId);
        if (!got) {
          findings.push({ ...w, kind: "missing", current: null, changedBy: null, changedAt: null });
        } else if (sameValue(got.record[w.field], w.recorded)) {
          matched++;
        } else {
          findings.push({
            ...w,
            kind: "drift",
            current: got.record[w.field] ?? null,
            changedBy: null,
            changedAt: null,
          });
        }
      }
    }
  }
  return { findings, matched };
}

const json = (v: unknown) =>
  v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);

/**
 * Reconcile one environment: every field Tollgate wrote in [from, to) (the last write of each
 * record and field) read back from Salesforce and compared with what Tollgate recorded — a
 * match, drift (Salesforce holds another value: who changed it and when, from the field
 * history), missing (the record is gone) or unreadable (the read failed). One run per
 * environment at a time. Findings are kept, matches counted. Drift at or above
 * TOLLGATE_RECONCILE_DRIFT_ALERT queues the on-call group's signed webhook. The run's figures
 * go into the execution lane.
 */
export async function reconcileEnvironment(
  input: {
    environmentId: string;
    from?: Date;
    to?: Date;
    trigger: "schedule" | "person";
    requestedById?: string | null;
    /** where a person's "run now" came from (console) */
    context?: TRequestContext | null;
  },
  opts: { connector?: SalesforceConnector } = {},
) {
  const environment = await db.environment.findUnique({ where: { id: input.environmentId } });
  if (!environment) throw notFound("Environment");
  const to = input.to ?? new Date();
  const from =
    input.from ?? new Date(to.getTime() - env().TOLLGATE_RECONCILE_WINDOW_HOURS * 3_600_000);
  if (!(from < to)) throw new AppError("invalid_body", "The window must start before it ends");
  const busy = () =>
    new AppError(
      "state_changed",
      `A reconciliation of ${environment.name} is already running; wait for it to finish`,
    );
  // The run holds a session-level advisory lock on a connection of its own for as long as it
  // runs: a process killed mid-run loses its connection and the server releases the lock, so
  // the next run knows at once that a row still `running` is an orphan, not a live run.
  const lock = await connectRuntimeClient("tollgate-reconcile");
  try {
    const { rows } = await lock.query<{ got: boolean }>(
      `select pg_try_advisory_lock(hashtext('tollgate'), hashtext($1)) as got`,
      [`reconcile:${environment.id}`],
    );
    if (!rows[0].got) throw busy();
    await db.reconciliationRun.updateMany({
      where: { environmentId: environment.id, status: "running" },
      data: { status: "failed", finishedAt: new Date(), error: "interrupted: its process stopped" },
    });
    return await runLocked(environment, from, to, input, opts, busy);
  } finally {
    // ending the connection releases the lock
    await lock.end().catch(() => {});
  }
}

async function runLocked(
  environment: TEnvironment,
  from: Date,
  to: Date,
  input: Parameters<typeof reconcileEnvironment>[0],
  opts: { connector?: SalesforceConnector },
  busy: () => AppError,
) {
  let run;
  try {
    run = await db.reconciliationRun.create({
      data: {
        environmentId: environment.id,
        windowStart: from,
        windowEnd: to,
        trigger: input.trigger,
        requestedById: input.requestedById ?? null,
      },
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw busy();
    throw e;
  }
  try {
    const writes = await writesIn(environment.id, from, to);
    const sf = opts.connector ?? (await connectorFor(environment));
    const { findings, matched } = await compare(sf, writes);
    const drifts = findings.filter((f) => f.kind === "drift");
    await whoChanged(sf, drifts);
    const counts = {
      checked: writes.length,
      matched,
      drifted: drifts.length,
      missing: findings.filter((f) => f.kind === "missing").length,
      unreadable: findings.filter((f) => f.kind === "unreadable").length,
    };
    const threshold = env().TOLLGATE_RECONCILE_DRIFT_ALERT;
    const alert = threshold > 0 && counts.drifted >= threshold;
    return await db.$transaction(async (tx) => {
      await tx.reconciliationFinding.createMany({
        data: findings.map((f) => ({
          runId: run.id,
          actionRequestId: f.requestId,
          object: f.object,
          recordId: f.recordId,
          field: f.field,
          kind: f.kind,
          recorded: json(f.recorded),
          current: json(f.current),
          changedBy: f.changedBy,
          changedAt: f.changedAt,
        })),
      });
      const done = await tx.reconciliationRun.update({
        where: { id: run.id },
        data: {
          ...counts,
          status: "done",
          finishedAt: new Date(),
          alertedAt: alert ? new Date() : null,
        },
      });
      await writeAuditEvent(tx, {
        action: "reconciliation.completed",
        actor: input.requestedById
          ? { type: "user", userId: input.requestedById }
          : { type: "system" },
        subjectId: run.id,
        environmentId: environment.id,
        payload: {
          windowStart: from.toISOString(),
          windowEnd: to.toISOString(),
          trigger: input.trigger,
          ...counts,
        },
        context: input.context,
      });
      if (alert) await queueDriftAlert(tx, environment, done, drifts);
      return done;
    });
  } catch (e) {
    await db.reconciliationRun.update({
      where: { id: run.id },
      data: { status: "failed", finishedAt: new Date(), error: (e as Error).message ?? String(e) },
    });
    throw e;
  }
}

/** The on-call group's signed webhook (delivered by the webhook job), Slack-compatible `text`. */
async function queueDriftAlert(
  tx: Prisma.TransactionClient,
  environment: { slug: string; name: string },
  run: { id: string; drifted: number; checked: number; windowStart: Date; windowEnd: Date },
  drifts: TFinding[],
) {
  const group = await tx.approverGroup.findFirst({
    where: { isOnCall: true, webhookUrl: { not: null } },
    select: { key: true, webhookUrl: true },
  });
  if (!group) return;
  const sample = drifts
    .slice(0, 5)
    .map(
      (d) =>
        `${d.object} ${d.recordId} ${d.field}: Tollgate wrote ${JSON.stringify(d.recorded)}, now ${JSON.stringify(d.current)}${d.changedBy ? ` (by ${d.changedBy})` : ""}`,
    );
  await tx.webhookDelivery.create({
    data: {
      kind: "reconciliation_drift",
      target: `group:${group.key}`,
      url: group.webhookUrl!,
      payload: {
        text: `Reconciliation of ${environment.name}: ${run.drifted} of ${run.checked} fields Tollgate wrote have changed since.\n${sample.join("\n")}`,
        type: "reconciliation.drift",
        runId: run.id,
        environment: environment.slug,
        drifted: run.drifted,
        checked: run.checked,
        windowStart: run.windowStart.toISOString(),
        windowEnd: run.windowEnd.toISOString(),
        link: `/reconciliation?run=${run.id}`,
        at: new Date().toISOString(),
      },
    },
  });
}

/** The hourly job: each environment with a working Salesforce connection. */
export async function reconcileAll() {
  const environments = await db.environment.findMany({
    where: { sfStatus: { not: "unconfigured" } },
    select: { id: true },
  });
  let drifted = 0;
  for (const e of environments) {
    try {
      drifted += (await reconcileEnvironment({ environmentId: e.id, trigger: "schedule" })).drifted;
    } catch (err) {
      // one environment's failure (recorded on its run) must not stop the others
      console.error(`[reconcile] ${e.id}:`, (err as Error).message);
    }
  }
  return drifted;
}
