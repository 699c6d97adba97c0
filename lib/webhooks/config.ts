import "server-only";
import crypto from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { encryptSecret } from "@/lib/core/secrets";
import { checkDestination } from "@/lib/net/destination";

const ZWebhookUrl = z.string().trim().max(2000).url("Give a full https:// URL");

/**
 * A webhook or callback URL as it may be stored: https to a public address (resolved now; the
 * delivery checks again, since DNS can change), or loopback where loopback is allowed (the
 * demo and tests). Throws DestinationRefused (400) or a ZodError.
 */
async function parseWebhookUrl(url: string): Promise<string> {
  const parsed = ZWebhookUrl.parse(url);
  await checkDestination(parsed, "webhook");
  return parsed;
}

/** From the console: the reason given and where the request came from (the CLI has neither). */
type TChangeOptions = {
  reason?: string | null;
  context?: TRequestContext | null;
  /** the console form's copy of the row's updatedAt: an edit since it was read is a 409 */
  expectedUpdatedAt?: string;
};

/**
 * A change of a signed URL: the URL as it may be stored, and for a new URL a fresh signing
 * secret (plaintext shown once to whoever configures the receiver, stored encrypted).
 */
async function signedUrlChange(url: string | null) {
  const parsed = url === null ? null : await parseWebhookUrl(url);
  const secret = parsed ? `whsec_${crypto.randomBytes(24).toString("base64url")}` : null;
  return { url: parsed, secret, secretEnc: secret ? encryptSecret(secret) : null };
}

/**
 * Point an approver group's escalation webhook at `url` (null turns it off). Each change makes
 * a new signing secret, returned once; the old one stops verifying at once.
 */
export async function setGroupWebhook(
  groupKey: string,
  url: string | null,
  actorUserId: string | null,
  opts: TChangeOptions = {},
) {
  const { url: parsed, secret, secretEnc } = await signedUrlChange(url);
  return db.$transaction(async (tx) => {
    // locked: two admins saving at once go one after the other, and the second one's form is stale
    const [row] = await tx.$queryRaw<{ id: string; updatedAt: Date }[]>`
      select id, "updatedAt" from "ApproverGroup" where key = ${groupKey} for update`;
    if (!row) throw notFound(`Approver group "${groupKey}"`);
    if (
      opts.expectedUpdatedAt !== undefined &&
      row.updatedAt.toISOString() !== opts.expectedUpdatedAt
    ) {
      throw new AppError(
        "state_changed",
        "Someone changed this group since you opened it: reload to see their change",
      );
    }
    const group = row;
    await tx.approverGroup.update({
      where: { id: group.id },
      data: { webhookUrl: parsed, webhookSecretEnc: secretEnc },
    });
    await writeAuditEvent(tx, {
      actor: actorUserId ? { type: "user", userId: actorUserId } : { type: "system" },
      action: parsed ? "approver_group.webhook_set" : "approver_group.webhook_removed",
      subjectId: group.id,
      payload: { group: groupKey, url: parsed },
      reasonText: opts.reason || null,
      context: opts.context,
    });
    return { group: groupKey, url: parsed, secret };
  });
}

/** Same for an agent's callback URL (terminal states of its requests). */
export async function setAgentCallback(
  agentSlug: string,
  envSlug: string,
  url: string | null,
  actorUserId: string | null,
  opts: TChangeOptions = {},
) {
  const { url: parsed, secret, secretEnc } = await signedUrlChange(url);
  return db.$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({
      where: { slug: agentSlug, environment: { slug: envSlug } },
    });
    if (!agent) throw notFound(`Agent "${agentSlug}" in ${envSlug}`);
    if (agent.status === "retired")
      throw new AppError("agent_retired", `Agent "${agentSlug}" is retired`);
    await tx.agent.update({
      where: { id: agent.id },
      data: { callbackUrl: parsed, callbackSecretEnc: secretEnc },
    });
    await writeAuditEvent(tx, {
      actor: actorUserId ? { type: "user", userId: actorUserId } : { type: "system" },
      action: parsed ? "agent.callback_set" : "agent.callback_removed",
      subjectId: agent.id,
      environmentId: agent.environmentId,
      payload: { agent: agentSlug, url: parsed },
      reasonText: opts.reason || null,
      context: opts.context,
    });
    return { agent: agentSlug, env: envSlug, url: parsed, secret };
  });
}

/** The agent page's door: the same change for the agent with this id (the console's reason). */
export async function setAgentCallbackById(
  agentId: string,
  input: { url: string | null; reason?: string },
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const agent = await db.agent.findUnique({
    where: { id: agentId },
    select: { slug: true, environment: { select: { slug: true } } },
  });
  if (!agent) throw notFound("Agent");
  return setAgentCallback(agent.slug, agent.environment.slug, input.url, actorUserId, {
    reason: input.reason,
    context,
  });
}
