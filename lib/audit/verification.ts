import "server-only";
import { db, type Prisma } from "@/lib/db";
import { verifyAuditLane, type TLaneVerification } from "./verify-lane";
import { AUDIT_LANES, type TAuditLane } from "./events";
import { getSealingStatus } from "./sealing-status";
import type { TPublicKey } from "./signing-key";
import { env } from "@/lib/env";

export type TVerifyTrigger = "schedule" | "cli" | "console";

/** How often the worker verifies each lane (new events only), and walks it whole. */
const everyMs = () => env().TOLLGATE_AUDIT_VERIFY_MS;
const fullEveryMs = () => env().TOLLGATE_AUDIT_FULL_VERIFY_MS;
/** The approver group whose signed webhook hears of a break (its escalation URL). */
const alertGroup = () => env().TOLLGATE_AUDIT_ALERT_GROUP;

export type TLaneRun = TLaneVerification & { runId: string; alerted: boolean };

/**
 * Verify lanes and record each result: a run row (AuditVerificationRun) and the lane's state
 * (AuditLaneVerification: checkpoint, last result). `incremental` walks only the events after
 * the lane's checkpoint; `full` walks from the genesis. A break that is new (the lane was
 * intact, or broke elsewhere) is alerted once: the state keeps it for the console banner and
 * the on-call group's signed webhook is queued.
 */
export async function runAuditVerification(opts: {
  lanes?: readonly TAuditLane[];
  mode: "incremental" | "full";
  trigger: TVerifyTrigger;
  actorUserId?: string | null;
  /** the key checkpoints must be signed with (default: this installation's, if it has one) */
  key?: TPublicKey | null;
}): Promise<TLaneRun[]> {
  // the lanes are walked at once, each on a connection of its own (one walk's hashing overlaps
  // another's reads), and recorded in order
  const lanes = opts.lanes ?? AUDIT_LANES;
  const walks = await Promise.allSettled(
    lanes.map(async (lane) => {
      const startedAt = new Date();
      const state = await db.auditLaneVerification.upsert({
        where: { lane },
        create: { lane },
        update: {},
      });
      const from =
        opts.mode === "incremental" && state.ok && state.verifiedSeq > 0
          ? { seq: state.verifiedSeq, hash: state.verifiedHash }
          : undefined;
      return { lane, startedAt, result: await verifyAuditLane(lane, { from, key: opts.key }) };
    }),
  );
  const out: TLaneRun[] = [];
  for (const walk of walks) {
    if (walk.status === "rejected") continue;
    const { lane, startedAt, result } = walk.value;
    out.push(await record(lane, result, startedAt, opts));
  }
  // a walk that failed (the database went away) is no result: the others are kept, then it throws
  const failed = walks.find((w) => w.status === "rejected");
  if (failed) throw failed.reason;
  return out;
}

async function record(
  lane: TAuditLane,
  r: TLaneVerification,
  startedAt: Date,
  opts: { trigger: TVerifyTrigger; actorUserId?: string | null },
): Promise<TLaneRun> {
  return db.$transaction(async (tx) => {
    const now = new Date();
    const state = await tx.auditLaneVerification.findUniqueOrThrow({ where: { lane } });
    const b = r.broken;
    const isNew = !!b && (state.ok || state.breakSeq !== b.seq || state.breakKind !== b.kind);
    const alerted = isNew ? await queueAlert(tx, r) : false;
    const run = await tx.auditVerificationRun.create({
      data: {
        lane,
        trigger: opts.trigger,
        mode: r.mode,
        actorUserId: opts.actorUserId ?? null,
        startedAt,
        finishedAt: now,
        fromSeq: r.fromSeq,
        checked: r.checked,
        headSeq: r.head.seq,
        headHash: r.head.hash,
        eventCount: r.eventCount,
        ok: r.ok,
        breakSeq: b?.seq ?? null,
        breakKind: b?.kind ?? null,
        breakDetail: b?.detail ?? null,
        alerted,
      },
    });
    await tx.auditLaneVerification.update({
      where: { lane },
      data: b
        ? {
            ok: false,
            breakSeq: b.seq,
            breakKind: b.kind,
            breakDetail: b.detail,
            lastRunAt: now,
            ...(isNew ? { alertedAt: now } : {}),
          }
        : {
            ok: true,
            breakSeq: null,
            breakKind: null,
            breakDetail: null,
            alertedAt: null,
            lastRunAt: now,
            // a checkpoint only moves forward (a concurrent walk may have gone further)
            ...(r.lastSeq >= state.verifiedSeq || !state.ok
              ? { verifiedSeq: r.lastSeq, verifiedHash: r.lastHash }
              : {}),
            ...(r.mode === "full" ? { lastFullAt: now } : {}),
          },
    });
    return { ...r, runId: run.id, alerted };
  });
}

/** Queue the signed webhook to the on-call group; false (and a log line) if it has no URL. */
async function queueAlert(tx: Prisma.TransactionClient, r: TLaneVerification) {
  const b = r.broken!;
  const key = alertGroup();
  console.error(`[audit] lane ${r.lane} is broken at seq ${b.seq} (${b.kind}): ${b.detail}`);
  const group = await tx.approverGroup.findUnique({
    where: { key },
    select: { webhookUrl: true },
  });
  if (!group?.webhookUrl) {
    console.error(`[audit] no alert webhook: approver group "${key}" has no webhook URL`);
    return false;
  }
  await tx.webhookDelivery.create({
    data: {
      kind: "audit_break",
      target: `group:${key}`,
      url: group.webhookUrl,
      payload: {
        type: "audit.chain_broken",
        lane: r.lane,
        seq: b.seq,
        kind: b.kind,
        detail: b.detail,
        head: r.head,
        eventCount: r.eventCount,
        at: new Date().toISOString(),
      },
    },
  });
  return true;
}

const holder = globalThis as unknown as { __tollgateAuditNextCheck?: number };

/**
 * The worker's scheduled verification (one sweep step). At most every 30 s in a process it
 * claims the lanes whose `nextRunAt` has come (one UPDATE: among many workers one wins each
 * lane) and verifies them — new events only, or the whole lane once a day
 * (TOLLGATE_AUDIT_VERIFY_MS, TOLLGATE_AUDIT_FULL_VERIFY_MS).
 * Returns the claimed lanes' results.
 */
export async function verifyAuditOnSchedule(opts: { force?: boolean } = {}): Promise<TLaneRun[]> {
  const now = Date.now();
  if (!opts.force && (holder.__tollgateAuditNextCheck ?? 0) > now) return [];
  holder.__tollgateAuditNextCheck = now + Math.min(30_000, everyMs());
  // database time, as the column is written (UTC)
  const claimed = await db.$queryRaw<{ lane: TAuditLane; fullDue: boolean }[]>`
    update "AuditLaneVerification"
    set "nextRunAt" = (now() at time zone 'UTC') + make_interval(secs => ${everyMs() / 1000})
    where "nextRunAt" <= (now() at time zone 'UTC')
    returning lane::text as lane,
      coalesce("lastFullAt" <= (now() at time zone 'UTC') - make_interval(secs => ${fullEveryMs() / 1000}), true) as "fullDue"`;
  const out: TLaneRun[] = [];
  for (const { lane, fullDue } of claimed) {
    out.push(
      ...(await runAuditVerification({
        lanes: [lane],
        mode: fullDue ? "full" : "incremental",
        trigger: "schedule",
      })),
    );
  }
  return out;
}

/** Lanes whose last verification found a break (the console banner; a 3-row read). */
export async function listBrokenLanes() {
  return db.auditLaneVerification.findMany({
    where: { ok: false },
    select: { lane: true, breakSeq: true, breakKind: true, breakDetail: true, lastRunAt: true },
    orderBy: { lane: "asc" },
  });
}

/**
 * Each lane's head, sealing state (unsealed events and their age, last seal, newest signed
 * checkpoint), verification state and recent runs (the /audit page).
 */
export async function getAuditStatus() {
  const [sealing, states, runs] = await Promise.all([
    getSealingStatus(),
    db.auditLaneVerification.findMany(),
    db.auditVerificationRun.findMany({ orderBy: { startedAt: "desc" }, take: 20 }),
  ]);
  return {
    lanes: sealing.map((s) => ({
      ...s,
      verification: states.find((v) => v.lane === s.lane) ?? null,
    })),
    runs,
  };
}
