import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { ttlCache } from "@/lib/core/ttl-cache";
import { decryptSecret, encryptSecret } from "@/lib/core/secrets";
import {
  ConnectorError,
  SalesforceConnector,
  type TApiUsage,
  type TConnectorErrorClass,
} from "@/lib/connectors/salesforce";
import {
  checkDestination,
  checkUrlForm,
  DestinationRefused,
  type TDestinationKind,
} from "@/lib/net/destination";
import { sortEnvironments } from "./list-environments";
import { PinnedSalesforceTransport } from "./salesforce-transport";

/**
 * `salesforce`: a real org, reached only at Salesforce hosts; `sandbox`: the bundled Salesforce
 * sandbox, reached only on loopback and only where loopback is allowed (the demo, tests).
 */
const CONNECTION_KINDS = ["salesforce", "sandbox"] as const;
export type TConnectionKind = (typeof CONNECTION_KINDS)[number];

/** The destination rule for the login URL and for every call, per kind. */
const RULES: Record<TConnectionKind, { login: TDestinationKind; calls: TDestinationKind }> = {
  salesforce: { login: "salesforce_login", calls: "salesforce_api" },
  sandbox: { login: "sandbox", calls: "sandbox" },
};
const kindOf = (env: { connectionKind: string }): TConnectionKind =>
  env.connectionKind === "sandbox" ? "sandbox" : "salesforce";

export const ZConnectionInput = z
  .object({
    // omitted: the environment keeps its kind
    connectionKind: z.enum(CONNECTION_KINDS).optional(),
    loginUrl: z.string().trim().max(300).url("Enter a URL such as https://login.salesforce.com"),
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
function publicConnection(env: TEnvRow) {
  return {
    slug: env.slug,
    name: env.name,
    isProduction: env.isProduction,
    connectionKind: kindOf(env),
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
  return sortEnvironments(await db.environment.findMany()).map(publicConnection);
}

const originOf = (url: string | null) => {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
};

/**
 * Admin edit of an environment's Salesforce connection; audited in the config lane. The login
 * URL must pass its kind's destination rule (resolved addresses included). Stored secrets stay
 * with the host they were entered for: a new host (scheme, host or port) or a new kind needs
 * the consumer secret and the password again, so they can never be redirected elsewhere.
 */
export async function updateConnection(
  slug: string,
  input: TConnectionInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZConnectionInput.parse(input);
  const env = await loadEnv(slug);
  const kind = data.connectionKind ?? kindOf(env);
  const loginUrl = data.loginUrl.replace(/\/+$/, "");
  await checkDestination(loginUrl, RULES[kind].login, { path: "loginUrl", originOnly: true });
  const moved = kind !== kindOf(env) || originOf(loginUrl) !== originOf(env.sfLoginUrl);
  const missing = [
    !data.clientSecret && (moved || !env.sfClientSecretEnc) ? "clientSecret" : null,
    !data.password && (moved || !env.sfPasswordEnc) ? "password" : null,
  ].filter((p): p is string => p !== null);
  if (missing.length) {
    const names = { clientSecret: "the consumer secret", password: "the password" };
    const what = missing.map((p) => names[p as keyof typeof names]).join(" and ");
    throw new AppError(
      moved && (env.sfClientSecretEnc || env.sfPasswordEnc) ? "secrets_required" : "invalid_body",
      moved && (env.sfClientSecretEnc || env.sfPasswordEnc)
        ? `A new login host or kind needs ${what} again: stored secrets are never sent to a different host`
        : `Enter ${what}`,
      {
        errors: missing.map((path) => ({
          path,
          message: moved ? "Required when the login host or kind changes" : "Required",
        })),
      },
    );
  }
  const saved = await db.$transaction(async (tx) => {
    // guarded on what the checks above saw: a concurrent edit of the host or kind makes this
    // one fail instead of pairing the stored secrets with a host they were not checked for
    const { count } = await tx.environment.updateMany({
      where: { id: env.id, sfLoginUrl: env.sfLoginUrl, connectionKind: env.connectionKind },
      data: {
        connectionKind: kind,
        sfLoginUrl: loginUrl,
        sfApiVersion: data.apiVersion,
        sfClientId: data.clientId,
        sfUsername: data.username,
        ...(data.clientSecret ? { sfClientSecretEnc: encryptSecret(data.clientSecret) } : {}),
        ...(data.password ? { sfPasswordEnc: encryptSecret(data.password) } : {}),
        sfStatus: "untested",
        sfLastError: null,
      },
    });
    if (count !== 1) {
      throw new AppError("state_changed", "The connection was changed meanwhile; reload");
    }
    const updated = await tx.environment.findUniqueOrThrow({ where: { id: env.id } });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "environment.connection_updated",
      subjectId: env.id,
      environmentId: env.id,
      oldValue: {
        connectionKind: kindOf(env),
        loginUrl: env.sfLoginUrl,
        apiVersion: env.sfApiVersion,
        clientId: env.sfClientId,
        username: env.sfUsername,
      },
      newValue: {
        connectionKind: kind,
        loginUrl: updated.sfLoginUrl,
        apiVersion: updated.sfApiVersion,
        clientId: updated.sfClientId,
        username: updated.sfUsername,
      },
      payload: {
        clientSecretChanged: Boolean(data.clientSecret),
        passwordChanged: Boolean(data.password),
      },
      context,
    });
    return publicConnection(updated);
  });
  forgetEnvironments();
  return saved;
}

// ───────── one connector per environment, rebuilt when its configuration changes ─────────

const cache = new Map<string, { fingerprint: string; connector: SalesforceConnector }>();
const transports = new WeakMap<SalesforceConnector, PinnedSalesforceTransport>();
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

/**
 * The environment's Salesforce connector; a `not configured` AppError when it has none or its
 * login URL no longer passes its kind's destination rule. Every call the connector makes goes
 * through the same rule, connected to the addresses it checked (PinnedSalesforceTransport).
 */
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
      `Environment "${env.slug}" has no Salesforce connection yet`,
    );
  }
  const kind = kindOf(env);
  try {
    checkUrlForm(env.sfLoginUrl, RULES[kind].login, { path: "loginUrl", originOnly: true });
  } catch (e) {
    if (!(e instanceof DestinationRefused)) throw e;
    throw new AppError(
      "connection_not_configured",
      `Environment "${env.slug}" has no usable Salesforce connection: ${e.message}`,
      { reason: e.reason },
    );
  }
  const fingerprint = [
    kind,
    env.sfLoginUrl,
    env.sfApiVersion,
    env.sfClientId,
    env.sfUsername,
    env.sfClientSecretEnc,
    env.sfPasswordEnc,
  ].join("|");
  const hit = cache.get(env.id);
  if (hit?.fingerprint === fingerprint) return hit.connector;
  const transport = new PinnedSalesforceTransport(RULES[kind].calls);
  const connector = new SalesforceConnector(
    {
      loginUrl: env.sfLoginUrl,
      apiVersion: env.sfApiVersion,
      clientId: env.sfClientId,
      clientSecret: decryptSecret(env.sfClientSecretEnc),
      username: env.sfUsername,
      password: decryptSecret(env.sfPasswordEnc),
    },
    { onUsage: (u) => recordUsage(env.id, u), transport },
  );
  transports.set(connector, transport);
  cache.set(env.id, { fingerprint, connector });
  return connector;
}

/**
 * How long the agent API trusts an environment's row from memory: a connection edited on another
 * instance is used here within this bound (at once on the instance that saves it).
 */
export const ENVIRONMENT_CACHE_MS = 1_000;
const environmentRows = ttlCache(ENVIRONMENT_CACHE_MS, loadEnv);

/**
 * The connector the agent API reads with, without a database read per call: the environment's
 * row comes from a cache of at most ENVIRONMENT_CACHE_MS, and connectorFor rebuilds the
 * connector when that row's connection differs from the one it was built for.
 */
export async function cachedConnectorFor(slug: string): Promise<SalesforceConnector> {
  return connectorFor(await environmentRows.get(slug));
}

/** After a connection changes in this process. */
export function forgetEnvironments() {
  environmentRows.clear();
}

/** One fixed sentence per class: what the other side said is never kept or shown. */
const FAILURE: Record<TConnectorErrorClass, string> = {
  session_expired:
    "Salesforce refused the login: check the consumer key and secret, the username and the password (+ security token)",
  permission: "Salesforce refused access: check the integration user's API permissions",
  rate_limited: "Salesforce is limiting API calls: try again later",
  not_found: "Salesforce answered 'not found': check the login URL and the API version",
  conflict: "Salesforce refused the call",
  validation: "Salesforce did not accept the call",
  unavailable: "Salesforce is unavailable",
  timeout: "Salesforce is unavailable",
};

/**
 * What a failed test keeps: the error class, the HTTP status if there was an answer, and a
 * fixed sentence. Failures without an answer (refused, reset, timed out) read the same, so a
 * status cannot tell which ports answer.
 */
function describeFailure(e: unknown, transport: PinnedSalesforceTransport | undefined): string {
  if (e instanceof DestinationRefused) return `destination_refused: ${e.message}`;
  if (e instanceof ConnectorError) {
    if (e.code === "DESTINATION_REFUSED") {
      return `destination_refused: ${transport?.lastRefusal?.message ?? "this destination is not allowed"}`;
    }
    const status = Number(/^ERROR_HTTP_(\d{3})$/.exec(e.code)?.[1]) || transport?.lastErrorStatus;
    if (!status && (e.errorClass === "timeout" || e.errorClass === "unavailable")) {
      return "unreachable: Salesforce could not be reached";
    }
    // a 5xx from the token endpoint reaches here as a refused login; the status says otherwise
    const cls = status && status >= 500 ? "unavailable" : e.errorClass;
    return `${cls}: ${FAILURE[cls]}${status ? ` (HTTP ${status})` : ""}`;
  }
  if (e instanceof AppError) return e.message;
  return "Unexpected error while testing the connection";
}

/** Log in and run a trivial query; the outcome becomes the environment's status. */
export async function testConnection(
  slug: string,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const env = await loadEnv(slug);
  const started = Date.now();
  let status = "ok";
  let lastError: string | null = null;
  let instanceUrl = env.sfInstanceUrl;
  let usage: TApiUsage | null = null;
  let transport: PinnedSalesforceTransport | undefined;
  try {
    const connector = await connectorFor(env);
    transport = transports.get(connector);
    if (transport) {
      transport.lastErrorStatus = null;
      transport.lastRefusal = null;
    }
    // resolved addresses are checked before anything is sent (and again by the transport)
    await checkDestination(env.sfLoginUrl!, RULES[kindOf(env)].login, { path: "loginUrl" });
    const info = await connector.login();
    await connector.query("SELECT Id FROM User LIMIT 1");
    // kept only once it answered: an instance URL the calls were refused at is not shown
    instanceUrl = info.instanceUrl;
    usage = connector.lastUsage;
  } catch (e) {
    status = "error";
    lastError = describeFailure(e, transport);
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
      actor: { type: "user", userId: actorUserId },
      action: "environment.connection_tested",
      subjectId: env.id,
      environmentId: env.id,
      payload: { status, ms, error: lastError },
      context,
    });
    return row;
  });
  return { ...publicConnection(updated), testMs: ms };
}
