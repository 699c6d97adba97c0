import "server-only";
import { onCallPerson } from "@/lib/groups";
import { db } from "@/lib/db";
import { transitionRequest } from "@/lib/action-requests";
import { requestSubject, writeAuditEvent } from "@/lib/audit";
import { interruptTry } from "./record-outcome";
import { enqueueExecution } from "./queue";

const SETTLE_MS = 5_000;

/**
 * Queue every request that should run now: approved / auto-approved ones (a lost enqueue after
 * a commit, or work from before a restart) and retries that are due. Idempotent: the queue
 * holds at most one waiting job per request.
 */
export async function enqueueDueRequests(limit = 500): Promise<number> {
  // work that changed in the last seconds was queued by whoever changed it; the sweep is for
  // what that missed (a crash after the commit, or a lost send), so it leaves those alone
  const settled = new Date(Date.now() - SETTLE_MS);
  const rows = await db.$queryRaw<{ id: string; nextAttemptAt: Date | null }[]>`
    select id, "nextAttemptAt" from "ActionRequest"
    where (status in ('approved', 'auto_approved') and "updatedAt" < ${settled}
           and ("nextAttemptAt" is null or "nextAttemptAt" <= (now() at time zone 'UTC')))
       or (status = 'retrying' and "nextAttemptAt" <= ${settled})
    order by "createdAt" limit ${limit}`;
  let queued = 0;
  for (const r of rows) if (await enqueueExecution(r.id)) queued++;
  return queued;
}

/**
 * Tries whose lease ran out: their worker died, or lost the database for longer than the lease
 * (a live worker renews it every third of its length, lease.ts). No write of theirs can still
 * be waiting for Salesforce's answer (a write starts only with a deadline inside the lease), so
 * they go to `retrying` — interrupted, and the next try reads the record before it writes.
 */
export async function recoverInterrupted(limit = 50): Promise<string[]> {
  return db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; attempts: number; attemptsBase: number }[]>`
        select id, attempts, "attemptsBase" from "ActionRequest"
        where status = 'executing' and ("leaseUntil" is null or "leaseUntil" < (now() at time zone 'UTC'))
        order by "leaseUntil" nulls first limit ${limit} for update skip locked`;
      const actor = { type: "worker" as const, workerId: "sweep" };
      for (const r of rows) await interruptTry(tx, r, actor, null);
      return rows.map((r) => r.id);
    },
    { timeout: 30_000 },
  );
}

/**
 * Overdue approvals escalate once: the on-call approver group may now decide them too, and the
 * on-call group's webhook (and the original group's, when it has one) gets a signed message
 * naming who of the on-call group's rotation is on call now (also in the audit event).
 */
export async function escalateOverdue(limit = 100): Promise<number> {
  return db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        select id from "ActionRequest"
        where status = 'pending_approval' and "slaDueAt" < (now() at time zone 'UTC') and "escalatedAt" is null
        order by "slaDueAt" limit ${limit} for update skip locked`;
      if (!rows.length) return 0;
      const groups = await tx.approverGroup.findMany();
      const onCall = groups.find((g) => g.isOnCall) ?? null;
      const now = new Date();
      // the on-call group's rotation names who is on call now (lib/groups/on-call.ts)
      const person = onCall ? await onCallPerson(tx, onCall.key, now) : null;
      for (const { id } of rows) {
        const ar = await tx.actionRequest.findUniqueOrThrow({
          where: { id },
          include: {
            agent: { select: { slug: true } },
            actionType: { select: { key: true } },
            environment: { select: { slug: true } },
          },
        });
        await tx.actionRequest.update({
          where: { id },
          data: { escalatedAt: now, escalatedTo: onCall?.key ?? null },
        });
        const overdueMin = Math.round((now.getTime() - ar.slaDueAt!.getTime()) / 60_000);
        await writeAuditEvent(tx, {
          actor: { type: "system" },
          action: "action_request.escalated",
          ...requestSubject(id, ar),
          reasonText: `No decision within the SLA (due ${ar.slaDueAt!.toISOString()})`,
          payload: {
            from: ar.approverRole,
            to: onCall?.key ?? null,
            overdueMinutes: overdueMin,
            onCall: person,
          },
        });
        const text =
          `Tollgate: ${ar.revertsId ? (ar.operation === "delete" ? `a revert deleting ${ar.object} ${ar.recordId} (${ar.actionType?.key ?? ar.object})` : `a revert of ${ar.actionType?.key ?? ar.object}`) : (ar.actionType?.key ?? ar.object)} from ${ar.agent.slug} (${ar.environment.slug}) ` +
          `waits for ${ar.approverRole ?? "an approver"} and is past its SLA. ` +
          `Escalated to ${onCall?.name ?? "on-call"}${person ? ` (${person.name} is on call)` : ""}. Request ${id}.`;
        const targets = groups.filter(
          (g) => g.webhookUrl && (g.key === onCall?.key || g.key === ar.approverRole),
        );
        for (const g of targets) {
          await tx.webhookDelivery.create({
            data: {
              kind: "escalation",
              target: `group:${g.key}`,
              actionRequestId: id,
              url: g.webhookUrl!,
              payload: {
                // `text`: what a Slack-compatible receiver posts as the message
                text,
                type: "action_request.escalated",
                id,
                agent: ar.agent.slug,
                environment: ar.environment.slug,
                actionType: ar.actionType?.key ?? null,
                object: ar.object,
                recordId: ar.recordId,
                approverRole: ar.approverRole,
                escalatedTo: onCall?.key ?? null,
                onCall: person,
                slaDueAt: ar.slaDueAt!.toISOString(),
                link: `/inbox?request=${id}`,
                at: now.toISOString(),
              },
            },
          });
        }
      }
      return rows.length;
    },
    { timeout: 30_000 },
  );
}

/** Requests nobody decided by their expiry are expired. Never approved, never executed. */
export async function expireStale(limit = 200): Promise<number> {
  return db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; status: "pending_approval" | "draft" }[]>`
        select id, status::text as status from "ActionRequest"
        where status in ('pending_approval', 'draft') and "expiresAt" < (now() at time zone 'UTC')
        order by "expiresAt" limit ${limit} for update skip locked`;
      for (const r of rows) {
        await transitionRequest(tx, {
          id: r.id,
          from: r.status,
          to: "expired",
          actor: { type: "system" },
          reason: "Nobody decided it before it expired",
          data: { completedAt: new Date() },
        });
      }
      return rows.length;
    },
    { timeout: 30_000 },
  );
}
