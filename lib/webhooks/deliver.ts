import "server-only";
import { db } from "@/lib/db";
import { decryptSecret } from "@/lib/core/secrets";
import { DestinationRefused } from "@/lib/net/destination";
import { pinnedRequest } from "@/lib/net/pinned-request";
import { signPayload, SIGNATURE_HEADER } from "./signing";
import { env } from "@/lib/env";

export const MAX_DELIVERY_ATTEMPTS = env().TOLLGATE_WEBHOOK_MAX_ATTEMPTS;
const BASE_BACKOFF_MS = env().TOLLGATE_WEBHOOK_BACKOFF_MS;
const TIMEOUT_MS = 10_000;

/** The signing secret for a delivery's target; null means send unsigned (never silently). */
async function secretFor(target: string | null): Promise<string | null> {
  if (!target) return null;
  const [kind, key] = [target.slice(0, target.indexOf(":")), target.slice(target.indexOf(":") + 1)];
  if (kind === "group") {
    const g = await db.approverGroup.findUnique({
      where: { key },
      select: { webhookSecretEnc: true },
    });
    return g?.webhookSecretEnc ? decryptSecret(g.webhookSecretEnc) : null;
  }
  if (kind === "agent") {
    const a = await db.agent.findUnique({
      where: { id: key },
      select: { callbackSecretEnc: true },
    });
    return a?.callbackSecretEnc ? decryptSecret(a.callbackSecretEnc) : null;
  }
  return null;
}

/**
 * What a failed delivery keeps: our own words, never the receiver's. A refused connection,
 * a reset and a timeout read the same, so deliveries cannot map which ports answer.
 */
function deliveryError(e: unknown): string {
  if (e instanceof DestinationRefused) return `destination refused: ${e.message}`;
  return "unreachable: no answer from the receiver";
}

export function webhookBackoffMs(attempts: number) {
  return Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Deliver due webhooks: claim a batch (SKIP LOCKED, so several workers share the work), POST
 * each signed body, and either mark it delivered or schedule the next try with exponential
 * backoff; after MAX_DELIVERY_ATTEMPTS it is `failed` and stays visible.
 */
export async function deliverDueWebhooks(limit = 20): Promise<number> {
  const due = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      select id from "WebhookDelivery"
      where status = 'pending' and "nextAttemptAt" <= (now() at time zone 'UTC')
      order by "nextAttemptAt" limit ${limit} for update skip locked`;
    if (!rows.length) return [];
    // lease: nobody else picks these up while this worker posts them
    await tx.webhookDelivery.updateMany({
      where: { id: { in: rows.map((r) => r.id) } },
      data: { nextAttemptAt: new Date(Date.now() + TIMEOUT_MS * 3) },
    });
    return tx.webhookDelivery.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
  });
  await Promise.all(
    due.map(async (d) => {
      const body = JSON.stringify(d.payload);
      const attempts = d.attempts + 1;
      let error: string | null = null;
      let refused = false;
      try {
        const secret = await secretFor(d.target);
        const headers: Record<string, string> = {
          "content-type": "application/json",
          "user-agent": "Tollgate-Webhooks/1",
          "Tollgate-Delivery": d.id,
        };
        if (secret) headers[SIGNATURE_HEADER] = signPayload(secret, body);
        // the URL is checked again here (DNS may have changed since it was saved) and the
        // socket goes to the checked address; redirects are not followed, the answer not read
        const res = await pinnedRequest({
          url: d.url,
          kind: "webhook",
          method: "POST",
          headers,
          body,
          timeoutMs: TIMEOUT_MS,
          maxBodyBytes: 0,
        });
        if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
      } catch (e) {
        error = deliveryError(e);
        // a DNS failure may pass; a refused address or form will not
        refused = e instanceof DestinationRefused && e.reason !== "unresolvable";
      }
      await db.webhookDelivery.update({
        where: { id: d.id },
        data: error
          ? {
              attempts,
              lastError: error.slice(0, 500),
              // a refused destination gets no more tries: nothing was sent, nothing will be
              status: refused || attempts >= MAX_DELIVERY_ATTEMPTS ? "failed" : "pending",
              nextAttemptAt: new Date(Date.now() + webhookBackoffMs(attempts)),
            }
          : { attempts, status: "delivered", deliveredAt: new Date(), lastError: null },
      });
    }),
  );
  return due.length;
}
