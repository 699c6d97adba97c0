import "server-only";
import type { Prisma, Tx } from "@/lib/db";
import { renderActionRequest, renderSelect } from "./response";

/** Statuses an agent is told about by callback: the request will not change on its own again. */
const CALLBACK_STATUSES: ReadonlySet<string> = new Set([
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
      ...renderSelect,
      requestedById: true,
      agent: { select: { id: true, slug: true, callbackUrl: true } },
    },
  });
  // a request a person asked for (a revert) is not the agent's: the agent hears of its own
  // request becoming `reverted` instead
  if (!ar.agent.callbackUrl || ar.requestedById) return;
  // the body an agent's GET would return now, so a callback and a poll read the same
  const body = renderActionRequest({ ...ar, status }, false);
  await tx.webhookDelivery.create({
    data: {
      kind: "agent_callback",
      target: `agent:${ar.agent.id}`,
      actionRequestId: ar.id,
      url: ar.agent.callbackUrl,
      payload: {
        type: "action_request.status_changed",
        agent: ar.agent.slug,
        ...body,
        at: new Date().toISOString(),
      } as Prisma.InputJsonObject,
    },
  });
}

/** `queueAgentCallback` for many requests: only those whose agent has a callback URL. */
export async function queueAgentCallbacks(tx: Tx, requestIds: string[], status: string) {
  if (!CALLBACK_STATUSES.has(status) || !requestIds.length) return;
  const called = await tx.actionRequest.findMany({
    where: { id: { in: requestIds }, agent: { callbackUrl: { not: null } } },
    select: { id: true },
  });
  for (const { id } of called) await queueAgentCallback(tx, id, status);
}
