import "server-only";
import crypto from "node:crypto";
import { Prisma, db, preparedQuery } from "@/lib/db";
import { ttlCache } from "@/lib/core/ttl-cache";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const RANDOM_LENGTH = 40;
const PREFIX_RANDOM = 10;
const LAST_USED_RESOLUTION_MS = 60_000;

/** base62 with no modulo bias (rejection sampling). */
function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of crypto.randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export const hashApiKey = (key: string) => crypto.createHash("sha256").update(key).digest("hex");

/** `tg_<env>_<random>`: the part before the random tail is not secret, the prefix names the row. */
export function parseApiKey(key: string): { env: string; prefix: string } | null {
  const m = /^tg_([a-z0-9-]{1,40})_([A-Za-z0-9]{40})$/.exec(key);
  if (!m) return null;
  return { env: m[1], prefix: `tg_${m[1]}_${m[2].slice(0, PREFIX_RANDOM)}` };
}

async function findAgent(agentSlug: string, envSlug: string) {
  const agent = await db.agent.findFirst({
    where: { slug: agentSlug, environment: { slug: envSlug } },
    include: { environment: true },
  });
  if (!agent) throw notFound(`Agent "${agentSlug}" in environment "${envSlug}"`);
  return agent;
}

/**
 * Mint a key for an agent in one environment. The plaintext is returned once and never
 * stored: only its sha256 and its prefix are.
 */
export async function createApiKey(opts: {
  agentSlug: string;
  envSlug: string;
  actorUserId?: string | null;
  label?: string;
  expiresAt?: Date | null;
  context?: TRequestContext | null;
}) {
  const agent = await findAgent(opts.agentSlug, opts.envSlug);
  if (agent.status === "retired")
    throw new AppError("agent_retired", `Agent "${agent.slug}" is retired; it cannot get new keys`);
  const plaintext = `tg_${agent.environment.slug}_${randomBase62(RANDOM_LENGTH)}`;
  const { prefix } = parseApiKey(plaintext)!;
  const row = await db.$transaction(async (tx) => {
    const key = await tx.apiKey.create({
      data: {
        agentId: agent.id,
        prefix,
        hash: hashApiKey(plaintext),
        label: opts.label ?? null,
        createdById: opts.actorUserId ?? null,
        expiresAt: opts.expiresAt ?? null,
      },
      select: { id: true, prefix: true, createdAt: true, expiresAt: true },
    });
    await writeAuditEvent(tx, {
      actor: opts.actorUserId ? { type: "user", userId: opts.actorUserId } : { type: "system" },
      action: "api_key.created",
      subjectId: agent.id,
      environmentId: agent.environmentId,
      payload: { keyId: key.id, prefix, expiresAt: key.expiresAt, label: opts.label ?? null },
      context: opts.context,
    });
    return key;
  });
  return { ...row, plaintext, agentId: agent.id };
}

/**
 * Rotate: a new key now; every older active key of the agent keeps working until
 * `now + graceMinutes`, then expires. Returns the new plaintext once.
 */
export async function rotateApiKeys(opts: {
  agentSlug: string;
  envSlug: string;
  graceMinutes: number;
  actorUserId: string;
  context?: TRequestContext | null;
}) {
  if (
    !Number.isInteger(opts.graceMinutes) ||
    opts.graceMinutes < 0 ||
    opts.graceMinutes > 60 * 24 * 30
  ) {
    throw new AppError("invalid_body", "The grace period must be between 0 minutes and 30 days");
  }
  const agent = await findAgent(opts.agentSlug, opts.envSlug);
  const now = new Date();
  const graceUntil = new Date(now.getTime() + opts.graceMinutes * 60_000);
  const created = await createApiKey({
    agentSlug: opts.agentSlug,
    envSlug: opts.envSlug,
    actorUserId: opts.actorUserId,
    label: "rotated",
    context: opts.context,
  });
  await db.$transaction(async (tx) => {
    const old = await tx.apiKey.findMany({
      where: {
        agentId: agent.id,
        id: { not: created.id },
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: graceUntil } }],
      },
      select: { id: true, prefix: true },
    });
    await tx.apiKey.updateMany({
      where: { id: { in: old.map((k) => k.id) } },
      data: { expiresAt: graceUntil, rotatedAt: now },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: opts.actorUserId },
      action: "api_key.rotated",
      subjectId: agent.id,
      environmentId: agent.environmentId,
      payload: { newPrefix: created.prefix, oldPrefixes: old.map((k) => k.prefix), graceUntil },
      context: opts.context,
    });
  });
  forgetApiKeys();
  return { ...created, graceUntil };
}

export async function revokeApiKey(opts: {
  keyId: string;
  actorUserId: string;
  reason: string;
  context?: TRequestContext | null;
}) {
  const reason = opts.reason.trim();
  if (!reason) throw new AppError("invalid_body", "Say why the key is revoked");
  const revoked = await db.$transaction(async (tx) => {
    const key = await tx.apiKey.findUnique({ where: { id: opts.keyId }, include: { agent: true } });
    if (!key) throw notFound("API key");
    if (key.revokedAt) return { id: key.id, prefix: key.prefix, revokedAt: key.revokedAt };
    const revokedAt = new Date();
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt } });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: opts.actorUserId },
      action: "api_key.revoked",
      subjectId: key.agentId,
      environmentId: key.agent.environmentId,
      reasonText: reason,
      payload: { keyId: key.id, prefix: key.prefix },
      context: opts.context,
    });
    return { id: key.id, prefix: key.prefix, revokedAt };
  });
  forgetApiKeys();
  return revoked;
}

export async function listApiKeys(agentId: string) {
  return db.apiKey.findMany({
    where: { agentId },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      prefix: true,
      label: true,
      createdAt: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      rotatedAt: true,
      createdBy: { select: { name: true } },
    },
  });
}

export type TAuthenticatedAgent = {
  id: string;
  slug: string;
  name: string;
  status: "active" | "suspended" | "retired";
  phase: "observe" | "propose" | "execute";
  environmentId: string;
  environmentSlug: string;
  ownerId: string;
  callsPerMinute: number;
  writesPerHour: number;
  keyId: string;
};

type TKeyRow = {
  id: string;
  hash: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  agent: Omit<TAuthenticatedAgent, "keyId" | "environmentSlug"> & {
    environment: { slug: string };
  };
};

/**
 * How long a key's row — its hash, expiry, revocation, and its agent's status and limits — is
 * trusted from memory. A key revoked (or an agent suspended, or a limit changed) on another
 * instance stops working here within this bound; on the instance that revokes, at once
 * (`forgetApiKeys`). Expiry is checked against the clock on every call.
 */
export const API_KEY_CACHE_MS = 1_000;

/** Unknown prefixes are not remembered: a key made a moment ago on another instance works at once. */
class UnknownKey extends Error {}

const keyCache = ttlCache(API_KEY_CACHE_MS, async (prefix: string): Promise<TKeyRow> => {
  const [row] =
    await preparedQuery<TKeyRow>(Prisma.sql`select k.id, k.hash, k."expiresAt", k."revokedAt", k."lastUsedAt",
      json_build_object('id', a.id, 'slug', a.slug, 'name', a.name, 'status', a.status, 'phase', a.phase,
        'environmentId', a."environmentId", 'ownerId', a."ownerId", 'callsPerMinute', a."callsPerMinute",
        'writesPerHour', a."writesPerHour", 'environment', json_build_object('slug', e.slug)) as agent
    from "ApiKey" k join "Agent" a on a.id = k."agentId" join "Environment" e on e.id = a."environmentId"
    where k.prefix = ${prefix}`);
  if (!row) throw new UnknownKey();
  return row;
});

/** Forget every cached key, after a revocation or rotation in this process (and for tests). */
export function forgetApiKeys() {
  keyCache.clear();
}

const invalidKey = () =>
  new AppError("invalid_api_key", "The API key is missing, unknown, revoked or expired");

/**
 * The agent a bearer key belongs to, or an `invalid_api_key` / `agent_inactive` AppError.
 * Unknown, malformed, revoked and expired keys get the same answer. The key's row comes from a
 * cache of at most API_KEY_CACHE_MS; the presented key is hashed (sha256, no bcrypt: keys are
 * 238 random bits) and compared in constant time on every call.
 */
export async function authenticateApiKey(
  key: string | null,
  now = new Date(),
): Promise<TAuthenticatedAgent> {
  const parsed = key ? parseApiKey(key) : null;
  if (!parsed) throw invalidKey();
  let row: TKeyRow;
  try {
    row = await keyCache.get(parsed.prefix);
  } catch (e) {
    if (e instanceof UnknownKey) throw invalidKey();
    throw e;
  }
  const a = Buffer.from(row.hash, "hex");
  const b = Buffer.from(hashApiKey(key!), "hex");
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw invalidKey();
  if (row.revokedAt && row.revokedAt <= now) throw invalidKey();
  if (row.expiresAt && row.expiresAt <= now) throw invalidKey();
  if (row.agent.status !== "active") {
    throw new AppError("agent_inactive", `Agent "${row.agent.slug}" is ${row.agent.status}`);
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // at most one write a minute per key and process: last-used is for people, not for the hot
    // path (the cached row remembers this write until it is read again)
    row.lastUsedAt = now;
    void db.apiKey
      .updateMany({
        where: {
          id: row.id,
          OR: [
            { lastUsedAt: null },
            { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } },
          ],
        },
        data: { lastUsedAt: now },
      })
      .catch(() => {});
  }
  const { environment, ...agent } = row.agent;
  return { ...agent, environmentSlug: environment.slug, keyId: row.id };
}
