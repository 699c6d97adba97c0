import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import type { TRequestContext } from "@/lib/audit";
import { notFound } from "@/lib/core/errors";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKeys } from "./api-keys";
import { keyState } from "./key-state";

/**
 * The console's view of API keys: addressed by agent id (the URL), while the key service
 * addresses agents by slug + environment (the CLI's view).
 */

const DAY_MS = 86_400_000;

export const ZCreateAgentKeyInput = z
  .object({
    label: z
      .string()
      .trim()
      .max(100)
      .optional()
      .transform((v) => v || undefined),
    expiresInDays: z.number().int().min(1).max(3650).nullish(),
  })
  .strict();
export type TCreateAgentKeyInput = z.input<typeof ZCreateAgentKeyInput>;

export const ZRotateAgentKeysInput = z
  .object({
    graceMinutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 30),
  })
  .strict();
export type TRotateAgentKeysInput = z.input<typeof ZRotateAgentKeysInput>;

export const ZRevokeAgentKeyInput = z
  .object({ reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(2000) })
  .strict();
export type TRevokeAgentKeyInput = z.input<typeof ZRevokeAgentKeyInput>;

async function agentRef(agentId: string) {
  const agent = await db.agent.findUnique({
    where: { id: agentId },
    select: { slug: true, environment: { select: { slug: true } } },
  });
  if (!agent) throw notFound("Agent");
  return { agentSlug: agent.slug, envSlug: agent.environment.slug };
}

/** An agent's keys, newest first, with their state now. Never the hash. */
export async function listAgentKeys(agentId: string, now = new Date()) {
  const keys = await listApiKeys(agentId);
  return keys.map(({ createdBy, ...k }) => ({
    ...k,
    createdBy: createdBy?.name ?? null,
    state: keyState(k, now),
  }));
}
export type TAgentKey = Awaited<ReturnType<typeof listAgentKeys>>[number];

export async function createAgentKey(
  agentId: string,
  input: TCreateAgentKeyInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZCreateAgentKeyInput.parse(input);
  const ref = await agentRef(agentId);
  const key = await createApiKey({
    ...ref,
    actorUserId,
    context,
    label: data.label,
    expiresAt: data.expiresInDays ? new Date(Date.now() + data.expiresInDays * DAY_MS) : null,
  });
  // the plaintext goes back to the person once; nothing keeps it
  return { plaintext: key.plaintext, prefix: key.prefix, keys: await listAgentKeys(agentId) };
}

export async function rotateAgentKeys(
  agentId: string,
  input: TRotateAgentKeysInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZRotateAgentKeysInput.parse(input);
  const ref = await agentRef(agentId);
  const key = await rotateApiKeys({
    ...ref,
    graceMinutes: data.graceMinutes,
    actorUserId,
    context,
  });
  return {
    plaintext: key.plaintext,
    prefix: key.prefix,
    graceUntil: key.graceUntil,
    keys: await listAgentKeys(agentId),
  };
}

export async function revokeAgentKey(
  agentId: string,
  keyId: string,
  input: TRevokeAgentKeyInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZRevokeAgentKeyInput.parse(input);
  // a key id under another agent's URL is not this agent's key
  const key = await db.apiKey.findFirst({ where: { id: keyId, agentId }, select: { id: true } });
  if (!key) throw notFound("API key");
  await revokeApiKey({ keyId, actorUserId, reason: data.reason, context });
  return { keys: await listAgentKeys(agentId) };
}
