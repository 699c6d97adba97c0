import { z } from "zod";
// relative: prisma.config.ts loads this file without path aliases
import { trustedHops } from "./auth/throttle";
import { ROLES } from "./auth/permissions";
import { isLoopbackHostname } from "./net/ip-range";

/**
 * Every environment variable Tollgate reads, in one zod schema: `.env.example` at the root
 * documents each (a unit test keeps the two equal), and eslint forbids `process.env` anywhere
 * else outside tests and build-time config files.
 *
 * When it is checked: only `requireEnv` demands a value, when a connection is made, so
 * `next build` (which has no DATABASE_URL) imports every page; a few modules keep a value read
 * at import (`MAX_DELIVERY_ATTEMPTS`), which validates then. The launchers — `npm start`
 * (scripts/start.ts, which vouches for the web server it spawns with the same environment),
 * `npm run worker`, `npm run tollgate` — call `checkEnv()` first and exit with its message.
 * Anything else validates on its first `env()` call, which throws the same message. A bad
 * value is never read as a default.
 */

/** A variable set to the empty string counts as unset (`FOO= npm start`). */
const unsetIfEmpty = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

function whole(def: number, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^\d+$/, { error: `must be a whole number ≥ ${min}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, { error: `must be ≥ ${min}` })
          .max(max, { error: `must be ≤ ${max}` }),
      )
      .default(def),
  );
}

const portNumber = z
  .string()
  .trim()
  .regex(/^\d+$/, { error: "must be a port number (1-65535)" })
  .transform(Number)
  .pipe(z.number().min(1).max(65_535, { error: "must be a port number (1-65535)" }));
const port = (def: number) => z.preprocess(unsetIfEmpty, portNumber.default(def));
const optionalPort = z.preprocess(unsetIfEmpty, portNumber.optional());

const flag = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ["1", "true", "0", "false"].includes(v), {
      error: "must be 1, true, 0 or false",
    })
    .transform((v) => v === "1" || v === "true")
    .default(false),
);

const text = (def: string) => z.preprocess(unsetIfEmpty, z.string().default(def));
const optionalText = z.preprocess(unsetIfEmpty, z.string().optional());

/**
 * `idp-value=role,…` (OIDC_ROLE_MAP): which value of the roles claim grants which Tollgate role.
 * Throws on a malformed pair or an unknown role; an empty value is no pairs.
 */
export function parseRoleMap(raw: string): [string, (typeof ROLES)[number]][] {
  const pairs: [string, (typeof ROLES)[number]][] = [];
  for (const part of raw.split(",")) {
    if (!part.trim()) continue;
    const at = part.lastIndexOf("=");
    const from = part.slice(0, at).trim();
    const to = part.slice(at + 1).trim();
    if (at <= 0 || !from) throw new Error(`"${part.trim()}" is not value=role`);
    if (!(ROLES as readonly string[]).includes(to)) {
      throw new Error(`"${to}" is not a Tollgate role (${ROLES.join(", ")})`);
    }
    pairs.push([from, to as (typeof ROLES)[number]]);
  }
  return pairs;
}

/** Why an OpenID issuer URL is refused, or null: https, or http on this machine only. */
export function issuerProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "must be a URL (https://…)";
  }
  if (u.username || u.password || u.search || u.hash) {
    return "must be the issuer URL alone (no credentials, query or fragment)";
  }
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:" && isLoopbackHostname(u.hostname)) return null;
  return "must use https:// (plain http only on this machine: localhost, 127.0.0.1, [::1])";
}

const url = (protocols: string[]) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .refine(
        (v) => {
          try {
            return protocols.includes(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        { error: `must be a URL (${protocols.map((p) => p + "//").join(" or ")}…)` },
      )
      .optional(),
  );

export const ZEnv = z
  .object({
    // database
    DATABASE_URL: url(["postgresql:", "postgres:"]),
    DB_POOL_SIZE: whole(10),
    TOLLGATE_QUEUE_POOL_SIZE: whole(4),
    TOLLGATE_DB_ROLE: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .trim()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
          error: "must be a plain lower-case PostgreSQL role name",
        })
        .default("tollgate_runtime"),
    ),
    TOLLGATE_EMBEDDED_PG_HOME: text("/var/lib/tollgate"),
    // web server and sign-in
    PORT: port(3000),
    HOST: text("127.0.0.1"),
    NEXTAUTH_URL: url(["http:", "https:"]),
    NEXTAUTH_SECRET: optionalText,
    TOLLGATE_SECRET_KEY: optionalText,
    TOLLGATE_TRUST_PROXY: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .optional()
        .superRefine((v, ctx) => {
          try {
            trustedHops(v);
          } catch {
            ctx.addIssue({ code: "custom", message: "must be unset, false, true or 1-9" });
          }
        }),
    ),
    TOLLGATE_ALLOW_LOOPBACK: flag,
    // single sign-on (OpenID Connect): all three of issuer, client id and secret, or none
    OIDC_ISSUER: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .trim()
        .superRefine((v, ctx) => {
          const problem = issuerProblem(v);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        // discovery appends /.well-known/openid-configuration: no trailing slash
        .transform((v) => v.replace(/\/+$/, ""))
        .optional(),
    ),
    OIDC_CLIENT_ID: optionalText,
    OIDC_CLIENT_SECRET: optionalText,
    OIDC_NAME: text("SSO"),
    OIDC_ROLES_CLAIM: optionalText,
    OIDC_ROLE_MAP: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .optional()
        .superRefine((v, ctx) => {
          if (v === undefined) return;
          try {
            parseRoleMap(v);
          } catch (e) {
            ctx.addIssue({
              code: "custom",
              message: `must be value=role,… : ${(e as Error).message}`,
            });
          }
        }),
    ),
    SF_SANDBOX_PORT: optionalPort,
    // worker
    TOLLGATE_WORKER_CONCURRENCY: whole(4),
    TOLLGATE_EXECUTION_LEASE_MS: whole(30_000, 2_000),
    TOLLGATE_EXECUTION_BATCH_SIZE: whole(200, 1, 200),
    TOLLGATE_HEARTBEAT_MS: whole(5_000, 100),
    TOLLGATE_KILL_SWITCH_TRACE: flag,
    TOLLGATE_HEALTH_TIMEOUT_MS: whole(3_000),
    TOLLGATE_WEBHOOK_MAX_ATTEMPTS: whole(8),
    TOLLGATE_WEBHOOK_BACKOFF_MS: whole(5_000),
    TOLLGATE_AUDIT_VERIFY_MS: whole(5 * 60_000),
    TOLLGATE_AUDIT_FULL_VERIFY_MS: whole(24 * 3_600_000),
    TOLLGATE_AUDIT_ALERT_GROUP: text("revops_oncall"),
    TOLLGATE_RECONCILE_WINDOW_HOURS: whole(24, 1, 24 * 90),
    TOLLGATE_RECONCILE_DRIFT_ALERT: whole(1, 0),
    TOLLGATE_ANOMALY_ALERT_GROUP: text("revops_oncall"),
    TOLLGATE_DIGEST_GROUP: text("revops_oncall"),
    TOLLGATE_CANARY_MANUAL_ONLY: flag,
    TOLLGATE_DEAD_LETTER_BURST_COUNT: whole(5, 1),
    TOLLGATE_DEAD_LETTER_BURST_MINUTES: whole(15, 1, 24 * 60),
    TOLLGATE_AUDIT_SIGNING_KEY: optionalText,
    TOLLGATE_AUDIT_SIGNING_KEY_FILE: optionalText,
  })
  .superRefine((v, ctx) => {
    const oidc = [v.OIDC_ISSUER, v.OIDC_CLIENT_ID, v.OIDC_CLIENT_SECRET];
    if (oidc.some((x) => x !== undefined) && oidc.some((x) => x === undefined)) {
      for (const name of ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const) {
        if (v[name] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message:
              "must be set too: single sign-on needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
          });
        }
      }
    }
    if (v.OIDC_ROLE_MAP !== undefined && v.OIDC_ROLES_CLAIM === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_ROLE_MAP"],
        message: "needs OIDC_ROLES_CLAIM (the claim whose values it maps)",
      });
    }
  });

export type TEnv = z.infer<typeof ZEnv>;
export type TEnvName = keyof TEnv;
export const ENV_NAMES = Object.keys(ZEnv.shape) as TEnvName[];

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** `NAME must be …, got "value"`, one line per bad variable (secrets are not echoed). */
function describeIssues(error: z.ZodError, raw: Record<string, string | undefined>): string[] {
  const lines = new Map<string, string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0]);
    if (lines.has(name)) continue;
    const secret = /SECRET|KEY|DATABASE_URL/.test(name);
    const got = secret || raw[name] === undefined ? "" : `, got "${raw[name]}"`;
    lines.set(name, `${name} ${issue.message}${got}`);
  }
  return [...lines.values()];
}

let cache: { key: string; value: TEnv } | null = null;

/**
 * The validated configuration. Parsed once per distinct set of values (tests that change a
 * variable see the change); throws `EnvError` naming each bad variable.
 */
export function env(): TEnv {
  const raw: Record<string, string | undefined> = {};
  for (const name of ENV_NAMES) raw[name] = process.env[name];
  const key = JSON.stringify(raw);
  if (cache?.key === key) return cache.value;
  const parsed = ZEnv.safeParse(raw);
  if (!parsed.success) throw new EnvError(describeIssues(parsed.error, raw));
  cache = { key, value: parsed.data };
  return parsed.data;
}

const REQUIRED_WHY: Partial<Record<TEnvName, string>> = {
  DATABASE_URL: "point it at Tollgate's PostgreSQL database (npm start sets it)",
  TOLLGATE_SECRET_KEY: "use the web server's key (npm start generates one in .data/)",
};

/** A variable the caller cannot run without, with the reason in the error. */
export function requireEnv<K extends TEnvName>(name: K): NonNullable<TEnv[K]> {
  const value = env()[name];
  if (value === undefined || value === null) {
    throw new EnvError([`${name} is not set: ${REQUIRED_WHY[name] ?? "it is required here"}`]);
  }
  return value as NonNullable<TEnv[K]>;
}

/**
 * The start-of-process check for launchers: every variable valid and the `required` ones set.
 * Returns the problems as text (empty when fine) so a launcher can print it and exit 2.
 */
export function checkEnv(required: TEnvName[] = []): string | null {
  try {
    env();
    for (const name of required) requireEnv(name);
    return null;
  } catch (e) {
    if (e instanceof EnvError) return e.message;
    throw e;
  }
}

/**
 * Launchers configure the app they run in-process (a database URL found at start-up, a
 * generated key): set the value only when it is not set yet (`??=`), or always (`force`).
 */
export function setEnv(values: Partial<Record<TEnvName, string>>, opts: { force?: boolean } = {}) {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (opts.force || process.env[name] === undefined) process.env[name] = value;
  }
}

/**
 * The production web server (scripts/serve.ts) runs Next and React in production mode, as
 * `next start` does: NODE_ENV is set before either is loaded (React picks its build by it).
 */
export function setProductionMode() {
  (process.env as Record<string, string>).NODE_ENV = "production";
}

/** Variables for a child process: this process's environment plus `extra` (undefined unsets). */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

/**
 * Proxy variables are read by jsforce (and Node's fetch) from the process itself, with no
 * NO_PROXY check: the benches, talking to a loopback sandbox, drop them.
 */
export function dropProxyVariables() {
  for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) {
    delete process.env[name];
  }
}

/** Whether npm ran this script (`npm start`), which changes how a launcher watches its parent. */
export function startedByNpm(): boolean {
  return Boolean(process.env.npm_lifecycle_event);
}
