import { z } from "zod";
import { db } from "@/lib/db";
import { writeAuditEvent } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { decryptSecret, encryptSecret } from "@/lib/core/secrets";
import { ConnectorError, SalesforceConnector, type TApiUsage } from "@/lib/connectors/salesforce";

export const ZConnectionInput = z
  .object({
    loginUrl: z
      .string()
      .trim()
      .url("Enter a URL such as https://login.salesforce.com")
      .refine(
        (u) => /^https?:\/\//.test(u),
        "The login URL must start with https:// (or http:// for a local sandbox)",
      ),
    apiVersion: z
      .string()
      .trim()
      .regex(/^\d{2}\.0$/, "Use a version such as 62.0"),
    clientId: z.string().trim().min(1, "Enter the connected app's consumer key").max(300),
    // blank keeps the stored secret
    clientSecret: z.string().max(300).optional().default(""),
    username: z.string().trim().min(3, "Enter the integration user's username").max(200),
    password: z.string().max(300).optional().default(""),
  })
  .strict();
export type TConnectionInput = z.input<typeof ZConnectionInput>;

type TEnvRow = Awaited<ReturnType<typeof loadEnv>>;

async function loadEnv(slug: string) {
  const env = await db.environment.findUnique({ where: { slug } });
  if (!env) throw notFound(`Environment "${slug}"`);
  return env;
}

/** What the console may see of a connection: never a secret, only whether one is set. */
export function publicConnection(env: TEnvRow) {
  return {
    slug: env.slug,
    name: env.name,
    isProduction: env.isProduction,
    loginUrl: env.sfLoginUrl,
    instanceUrl: env.sfInstanceUrl,
    apiVersion: env.sfApiVersion,
    clientId: env.sfClientId,
    username: env.sfUsername,
    hasClientSecret: Boolean(env.sfClientSecretEnc),
    hasPassword: Boolean(env.sfPasswordEnc),
    status: env.sfStatus,
    lastError: env.sfLastError,
    lastCheckedAt: env.sfLastCheckedAt,
    apiUsage:
      env.sfApiUsageLimit != null
        ? { used: env.sfApiUsageUsed ?? 0, limit: env.sfApiUsageLimit, at: env.sfApiUsageUpdatedAt }
        : null,
  };
}
export type TPublicConnection = ReturnType<typeof publicConnection>;

export async function listConnections(): Promise<TPublicConnection[]> {
  const envs = await db.environment.findMany({ orderBy: { createdAt: "asc" } });
  return envs.map(publicConnection);
}

/** Admin edit of an environment's Salesforce connection; audited in the config lane. */
export async function updateConnection(slug: string, input: TConnectionInput, actorUserId: string) {
  const data = ZConnectionInput.parse(input);
  const env = await loadEnv(slug);
  if (!data.clientSecret && !env.sfClientSecretEnc) {
    throw new AppError("invalid_body", 400, "Enter the connected app's consumer secret", {
      errors: [{ path: "clientSecret", message: "Required" }],
    });
  }
  if (!data.password && !env.sfPasswordEnc) {
    throw new AppError("invalid_body", 400, "Enter the integration user's password", {
      errors: [{ path: "password", message: "Required" }],
    });
  }
  return db.$transaction(async (tx) => {
    const updated = await tx.environment.update({
      where: { id: env.id },
      data: {
        sfLoginUrl: data.loginUrl.replace(/\/+$/, ""),
        sfApiVersion: data.apiVersion,
        sfClientId: data.clientId,
        sfUsername: data.username,
        ...(data.clientSecret ? { sfClientSecretEnc: encryptSecret(data.clientSecret) } : {}),
        ...(data.password ? { sfPasswordEnc: encryptSecret(data.password) } : {}),
        sfStatus: "untested",
        sfLastError: null,
      },
    });
    await writeAuditEvent(tx, {
      lane: "config",
      actor: { type: "user", userId: actorUserId },
      action: "environment.connection_updated",
      subjectType: "environment",
      subjectId: env.id,
      environmentId: env.id,
      oldValue: {
        loginUrl: env.sfLoginUrl,
        apiVersion: env.sfApiVersion,
        clientId: env.sfClientId,
        username: env.sfUsername,
      },
      newValue: {
        loginUrl: updated.sfLoginUrl,
        apiVersion: updated.sfApiVersion,
        clientId: updated.sfClientId,
        username: updated.sfUsername,
      },
      payload: {
        clientSecretChanged: Boolean(data.clientSecret),
        passwordChanged: Boolean(data.password),
      },
    });
    return publicConnection(updated);
  });
}

// ───────── one connector per environment, rebuilt when its configuration changes ─────────

const cache = new Map<string, { fingerprint: string; connector: SalesforceConnector }>();
const USAGE_WRITE_INTERVAL_MS = 5_000;
const lastUsageWrite = new Map<string, number>();

function recordUsage(envId: string, usage: TApiUsage) {
  const now = Date.now();
  if (now - (lastUsageWrite.get(envId) ?? 0) < USAGE_WRITE_INTERVAL_MS) return;
  lastUsageWrite.set(envId, now);
  void db.environment
    .update({
      where: { id: envId },
      data: {
        sfApiUsageUsed: usage.used,
        sfApiUsageLimit: usage.limit,
        sfApiUsageUpdatedAt: new Date(now),
      },
    })
    .catch((e) => console.error("could not record API usage", e));
}

/** The environment's Salesforce connector; a `not configured` AppError when it has none. */
export async function connectorFor(envSlugOrRow: string | TEnvRow): Promise<SalesforceConnector> {
  const env = typeof envSlugOrRow === "string" ? await loadEnv(envSlugOrRow) : envSlugOrRow;
  if (
    !env.sfLoginUrl ||
    !env.sfClientId ||
    !env.sfUsername ||
    !env.sfClientSecretEnc ||
    !env.sfPasswordEnc
  ) {
    throw new AppError(
      "connection_not_configured",
      409,
      `Environment "${env.slug}" has no Salesforce connection yet`,
    );
  }
  const fingerprint = [
    env.sfLoginUrl,
    env.sfApiVersion,
    env.sfClientId,
    env.sfUsername,
    env.sfClientSecretEnc,
    env.sfPasswordEnc,
  ].join("|");
  const hit = cache.get(env.id);
  if (hit?.fingerprint === fingerprint) return hit.connector;
  const connector = new SalesforceConnector(
    {
      loginUrl: env.sfLoginUrl,
      apiVersion: env.sfApiVersion,
      clientId: env.sfClientId,
      clientSecret: decryptSecret(env.sfClientSecretEnc),
      username: env.sfUsername,
      password: decryptSecret(env.sfPasswordEnc),
    },
    { onUsage: (u) => recordUsage(env.id, u) },
  );
  cache.set(env.id, { fingerprint, connector });
  return connector;
}

/** Log in and run a trivial query; the outcome becomes the environment's status. */
export async function testConnection(slug: string, actorUserId: string) {
  const env = await loadEnv(slug);
  const started = Date.now();
  let status = "ok";
  let lastError: string | null = null;
  let instanceUrl = env.sfInstanceUrl;
  let usage: TApiUsage | null = null;
  try {
    const connector = await connectorFor(env);
    const info = await connector.login();
    instanceUrl = info.instanceUrl;
    await connector.query("SELECT Id FROM User LIMIT 1");
    usage = connector.lastUsage;
  } catch (e) {
    status = "error";
    lastError =
      e instanceof ConnectorError
        ? `${e.errorClass}: ${e.message}`
        : e instanceof AppError
          ? e.message
          : "Unexpected error while testing the connection";
  }
  const ms = Date.now() - started;
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.environment.update({
      where: { id: env.id },
      data: {
        sfStatus: status,
        sfLastError: lastError,
        sfLastCheckedAt: new Date(),
        sfInstanceUrl: instanceUrl,
        ...(usage
          ? {
              sfApiUsageUsed: usage.used,
              sfApiUsageLimit: usage.limit,
              sfApiUsageUpdatedAt: new Date(),
            }
          : {}),
      },
    });
    await writeAuditEvent(tx, {
      lane: "execution",
      actor: { type: "user", userId: actorUserId },
      action: "environment.connection_tested",
      subjectType: "environment",
      subjectId: env.id,
      environmentId: env.id,
      payload: { status, ms, error: lastError },
    });
    return row;
  });
  return { ...publicConnection(updated), testMs: ms };
}
