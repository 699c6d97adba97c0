import "server-only";
import { db } from "@/lib/db";
import { stopCanaryWork, type TWorkflowActor } from "./versions";

/**
 * How long after a rollback its canary is still swept. A request can land on a rolled-back
 * canary only while some instance's configuration cache still holds it (CONFIG_TTL_MS, 1 s) plus
 * the time that request takes to be stored; the window is much longer so that a sweep job that
 * was down (a crash: its chain restarts within a minute, lib/jobs/registry.ts) still finds the
 * canaries rolled back meanwhile.
 */
export const SWEEP_WINDOW_MS = 5 * 60_000;

/**
 * The `sweepRolledBackCanaries` job's step: every canary rolled back in the last SWEEP_WINDOW_MS
 * (retired below 100 %: a baseline retired by a promotion is at 100 % and keeps its work) has
 * its queued work stopped as the rollback stopped it — halted or expired, by the rollback's
 * actor, with its reason. Rows are claimed FOR UPDATE SKIP LOCKED and moved by guarded
 * transitions, so overlapping steps never stop a request twice. Returns how many it stopped.
 */
export async function sweepRolledBackCanaries(now = new Date()): Promise<number> {
  const canaries = await db.workflowVersion.findMany({
    where: {
      status: "retired",
      rolloutPercent: { lt: 100 },
      retiredAt: { gte: new Date(now.getTime() - SWEEP_WINDOW_MS) },
    },
    select: { id: true, version: true, workflow: { select: { key: true } } },
  });
  let stopped = 0;
  for (const c of canaries) {
    // anything left to stop? (almost always nothing: skip the audit lookup then)
    const left = await db.actionRequest.count({
      where: {
        workflowVersionId: c.id,
        status: { in: ["approved", "auto_approved", "retrying", "pending_approval", "draft"] },
      },
    });
    if (!left) continue;
    const event = await db.auditEvent.findFirst({
      where: { action: "workflow_version.rolled_back", subjectId: c.id },
      orderBy: { id: "desc" },
      select: { actorType: true, actorUserId: true, reasonText: true },
    });
    const actor: TWorkflowActor =
      event?.actorType === "user" && event.actorUserId
        ? { type: "user", userId: event.actorUserId }
        : { type: "system" };
    const r = await db.$transaction((tx) =>
      stopCanaryWork(
        tx,
        c.id,
        actor,
        `Canary version ${c.version} of ${c.workflow.key} rolled back: ${event?.reasonText ?? "rolled back"}`,
      ),
    );
    stopped += r.halted + r.expired;
  }
  return stopped;
}
