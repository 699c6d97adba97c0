import type { Tx } from "@/lib/db";

/** Statuses an agent is told about by callback: the request will not change on its own again. */
export const CALLBACK_STATUSES: ReadonlySet<string> = new Set([
  "succeeded",
  "failed",
  "dead_lettered",
  "denied",
  "expired",
  "discarded",
  "reverted",
]);

/**
 * Queue the agent's callback in the caller's transaction (an outbox row): the status change
 * and the promise to deliver it commit together. Delivery (deliver.ts) signs and retries.
 */
export async function queueAgentCallback(tx: Tx, requestId: string, status: string) {
  if (!CALLBACK_STATUSES.has(status)) return;
  const ar = await tx.actionRequest.findUniqueOrThrow({
    where: { id: requestId },
    select: {
      id: true,
      status: true,
      attempts: true,
      lastErrorClass: true,
      lastErrorCode: true,
      lastErrorMessage: true,
      resultRecordId: true,
      after: true,
      agent: { select: { id: true, slug: true, callbackUrl: true } },
    },
  });
  if (!ar.agent.callbackUrl) return;
  await tx.webhookDelivery.create({
    data: {
      kind: "agent_callback",
      target: `agent:${ar.agent.id}`,
      actionRequestId: ar.id,
      url: ar.agent.callbackUrl,
      payload: {
        type: "action_request.status_changed",
        id: ar.id,
        status,
        agent: ar.agent.slug,
        execution: {
          attempts: ar.attempts,
          ...(ar.lastErrorClass
            ? {
                lastError: {
                  class: ar.lastErrorClass,
                  code: ar.lastErrorCode,
                  message: ar.lastErrorMessage,
                },
              }
            : {}),
          ...(status === "succeeded"
            ? { result: { recordId: ar.resultRecordId, after: ar.after } }
            : {}),
        },
        links: { self: `/api/agent/v1/action-requests/${ar.id}` },
        at: new Date().toISOString(),
      },
    },
  });
}
