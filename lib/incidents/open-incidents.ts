import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { env } from "@/lib/env";
import { writeAuditEvent } from "@/lib/audit";

/**
 * Incidents opened by the `phaseGates` leader's step, from what other parts of Tollgate found.
 * Each source is one INSERT … SELECT … ON CONFLICT DO NOTHING (unique source + sourceRef, and
 * one open dead-letter burst per agent, migration `…_phase_gates`), so a run repeated — or two
 * at once — opens nothing twice; the inserted rows get their audit events in the same
 * transaction.
 */

type TOpened = {
  id: string;
  source: string;
  sourceRef: string;
  agentId: string | null;
  environmentId: string;
  title: string;
  slug: string | null;
};

async function audit(tx: Tx, rows: TOpened[]) {
  for (const r of rows) {
    await writeAuditEvent(tx, {
      actor: { type: "system" },
      action: "incident.opened",
      subjectId: r.id,
      environmentId: r.environmentId,
      payload: { source: r.source, sourceRef: r.sourceRef, agent: r.slug, title: r.title },
    });
  }
}

/** Reconciliation runs read for new drift: the last week's (runs are hourly per environment). */
/** A moment as the timestamp(3) columns (UTC, no zone) hold it. */
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;

const DRIFT_LOOKBACK_MS = 7 * 24 * 3_600_000;

/**
 * Drift found by reconciliation (lib/reconcile): per run and agent, an incident for the drifted
 * fields found for the first time (a run re-reads the last TOLLGATE_RECONCILE_WINDOW_HOURS, so
 * the same drift is found again by the next runs; only its first finding opens anything).
 */
export async function openIncidentsFromDrift(now = new Date()) {
  const since = new Date(now.getTime() - DRIFT_LOOKBACK_MS);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<TOpened[]>`
      WITH firsts AS (
        SELECT f."runId", r."environmentId", ar."agentId", f."actionRequestId", f.field, f.object, f."recordId"
        FROM "ReconciliationRun" r
        JOIN "ReconciliationFinding" f ON f."runId" = r.id AND f.kind = 'drift'
        JOIN "ActionRequest" ar ON ar.id = f."actionRequestId"
        WHERE r."startedAt" >= ${utc(since)} AND r.status <> 'running'
          AND NOT EXISTS (
            SELECT 1 FROM "ReconciliationFinding" f2 JOIN "ReconciliationRun" r2 ON r2.id = f2."runId"
            WHERE f2."actionRequestId" = f."actionRequestId" AND f2.field = f.field
              AND f2.kind = 'drift' AND r2."startedAt" < r."startedAt")
      ), grouped AS (
        SELECT "runId", "environmentId", "agentId", count(*)::int AS n,
          jsonb_agg(jsonb_build_object('request', "actionRequestId", 'object', object,
            'recordId', "recordId", 'field', field) ORDER BY "actionRequestId", field) AS fields
        FROM firsts GROUP BY "runId", "environmentId", "agentId"
      ), ins AS (
        INSERT INTO "Incident" (id, source, "sourceRef", "agentId", "environmentId", title, detail, "openedAt")
        SELECT 'inc_' || md5(random()::text || g."runId" || g."agentId"), 'reconciliation_drift',
          g."runId" || ':' || g."agentId", g."agentId", g."environmentId",
          g.n || CASE WHEN g.n = 1 THEN ' field' ELSE ' fields' END || ' written by the agent changed since in Salesforce (reconciliation drift)',
          jsonb_build_object('runId', g."runId", 'drifted', g.n, 'fields', g.fields), ${utc(now)}
        FROM grouped g
        ON CONFLICT DO NOTHING
        RETURNING id, source, "sourceRef", "agentId", "environmentId", title
      )
      SELECT ins.*, a.slug FROM ins LEFT JOIN "Agent" a ON a.id = ins."agentId"`;
    await audit(tx, rows);
    return rows.length;
  });
}

/**
 * Dead-letter bursts: at least TOLLGATE_DEAD_LETTER_BURST_COUNT dead letters for one agent
 * within the last TOLLGATE_DEAD_LETTER_BURST_MINUTES, counting only letters newer than the
 * agent's last burst incident (a burst already reported does not open a second incident as its
 * window slides); at most one open burst per agent.
 */
export async function openIncidentsFromDeadLetterBursts(now = new Date()) {
  const { TOLLGATE_DEAD_LETTER_BURST_COUNT: count, TOLLGATE_DEAD_LETTER_BURST_MINUTES: minutes } =
    env();
  const since = new Date(now.getTime() - minutes * 60_000);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<TOpened[]>`
      WITH letters AS (
        SELECT dl.id, dl."createdAt", ar."agentId", ar."environmentId"
        FROM "DeadLetter" dl JOIN "ActionRequest" ar ON ar.id = dl."actionRequestId"
        WHERE dl."createdAt" >= ${utc(since)} AND dl."createdAt" <= ${utc(now)}
          AND dl."createdAt" > coalesce((SELECT max(i."openedAt") FROM "Incident" i
            WHERE i.source = 'dead_letter_burst' AND i."agentId" = ar."agentId"), '-infinity')
      ), bursts AS (
        SELECT "agentId", "environmentId", count(*)::int AS n, min(id) AS first,
          min("createdAt") AS "firstAt", max("createdAt") AS "lastAt"
        FROM letters
        GROUP BY "agentId", "environmentId"
        HAVING count(*) >= ${count}
      ), ins AS (
        INSERT INTO "Incident" (id, source, "sourceRef", "agentId", "environmentId", title, detail, "openedAt")
        SELECT 'inc_' || md5(random()::text || b.first), 'dead_letter_burst', b.first, b."agentId",
          b."environmentId", b.n || ' dead letters in ' || ${minutes}::int || ' minutes',
          jsonb_build_object('deadLetters', b.n, 'minutes', ${minutes}::int, 'threshold', ${count}::int,
            'firstAt', b."firstAt", 'lastAt', b."lastAt"), ${utc(now)}
        FROM bursts b
        ON CONFLICT DO NOTHING
        RETURNING id, source, "sourceRef", "agentId", "environmentId", title
      )
      SELECT ins.*, a.slug FROM ins LEFT JOIN "Agent" a ON a.id = ins."agentId"`;
    await audit(tx, rows);
    return rows.length;
  });
}

/**
 * Anomalies (lib/anomalies): one incident per anomaly episode of the last week, untriaged until a
 * person judges how bad the spike was (the episode itself keeps what fired and what was done).
 */
export async function openIncidentsFromAnomalies(now = new Date()) {
  const since = new Date(now.getTime() - DRIFT_LOOKBACK_MS);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<TOpened[]>`
      WITH ins AS (
        INSERT INTO "Incident" (id, source, "sourceRef", "agentId", "environmentId", title, detail, "openedAt")
        SELECT 'inc_' || md5(random()::text || an.id), 'anomaly', an.id, an."agentId", an."environmentId",
          'Spike of ' || t.key || ': ' || an."peakObserved" || ' requests in ' ||
            round(extract(epoch FROM an."windowEnd" - an."windowStart") / 60)::int ||
            ' minutes, expected about ' || round(an.baseline::numeric, 1) || ' (' || an.action || ')',
          jsonb_build_object('anomalyId', an.id, 'observed', an.observed, 'peakObserved', an."peakObserved",
            'baseline', an.baseline, 'score', an.score, 'action', an.action, 'actionDetail', an."actionDetail"),
          ${utc(now)}
        FROM "Anomaly" an JOIN "ActionType" t ON t.id = an."actionTypeId"
        WHERE an."createdAt" >= ${utc(since)}
        ON CONFLICT DO NOTHING
        RETURNING id, source, "sourceRef", "agentId", "environmentId", title
      )
      SELECT ins.*, a.slug FROM ins LEFT JOIN "Agent" a ON a.id = ins."agentId"`;
    await audit(tx, rows);
    return rows.length;
  });
}
