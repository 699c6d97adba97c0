import fs from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { checkEnv, env, ENV_NAMES, EnvError, requireEnv, ZEnv } from "./env";

const ROOT = path.resolve(import.meta.dirname, "..");

describe("lib/env", () => {
  beforeEach(() => {
    for (const name of ENV_NAMES) vi.stubEnv(name, undefined);
  });
  afterEach(() => vi.unstubAllEnvs());

  it("gives every default when nothing is set", () => {
    expect(env()).toMatchObject({
      DB_POOL_SIZE: 10,
      TOLLGATE_QUEUE_POOL_SIZE: 4,
      TOLLGATE_DB_ROLE: "tollgate_runtime",
      PORT: 3000,
      HOST: "127.0.0.1",
      TOLLGATE_ALLOW_LOOPBACK: false,
      TOLLGATE_WORKER_CONCURRENCY: 4,
      TOLLGATE_EXECUTION_LEASE_MS: 30_000,
      TOLLGATE_HEARTBEAT_MS: 5_000,
      TOLLGATE_WEBHOOK_MAX_ATTEMPTS: 8,
      TOLLGATE_AUDIT_ALERT_GROUP: "revops_oncall",
    });
    expect(env().DATABASE_URL).toBeUndefined();
  });

  it("reads numbers, flags and treats an empty value as unset", () => {
    vi.stubEnv("TOLLGATE_WORKER_CONCURRENCY", " 12 ");
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "TRUE");
    vi.stubEnv("DB_POOL_SIZE", "");
    expect(env()).toMatchObject({
      TOLLGATE_WORKER_CONCURRENCY: 12,
      TOLLGATE_ALLOW_LOOPBACK: true,
      DB_POOL_SIZE: 10,
    });
    // a change is seen at once (tests and launchers set variables while running)
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "0");
    expect(env().TOLLGATE_ALLOW_LOOPBACK).toBe(false);
  });

  it.each([
    [
      "TOLLGATE_WORKER_CONCURRENCY",
      "abc",
      /TOLLGATE_WORKER_CONCURRENCY must be a whole number ≥ 1, got "abc"/,
    ],
    ["TOLLGATE_WORKER_CONCURRENCY", "0", /TOLLGATE_WORKER_CONCURRENCY must be ≥ 1, got "0"/],
    ["DB_POOL_SIZE", "2.5", /DB_POOL_SIZE must be a whole number/],
    ["TOLLGATE_HEARTBEAT_MS", "50", /TOLLGATE_HEARTBEAT_MS must be ≥ 100/],
    ["PORT", "70000", /PORT must be a port number \(1-65535\), got "70000"/],
    [
      "TOLLGATE_ALLOW_LOOPBACK",
      "yes",
      /TOLLGATE_ALLOW_LOOPBACK must be 1, true, 0 or false, got "yes"/,
    ],
    ["TOLLGATE_TRUST_PROXY", "many", /TOLLGATE_TRUST_PROXY must be unset, false, true or 1-9/],
    ["TOLLGATE_DB_ROLE", "Robert'); drop", /TOLLGATE_DB_ROLE must be a plain lower-case/],
    ["NEXTAUTH_URL", "localhost:3000", /NEXTAUTH_URL must be a URL \(http:\/\/ or https:\/\/…\)/],
  ])("%s=%s is refused with a message naming it", (name, value, message) => {
    vi.stubEnv(name, value);
    expect(() => env()).toThrow(EnvError);
    expect(() => env()).toThrow(message);
    expect(checkEnv()).toMatch(message);
  });

  describe("single sign-on", () => {
    const sso = (issuer: string) => {
      vi.stubEnv("OIDC_ISSUER", issuer);
      vi.stubEnv("OIDC_CLIENT_ID", "tollgate");
      vi.stubEnv("OIDC_CLIENT_SECRET", "s3cret");
    };

    it.each([
      ["https://login.example.com/realms/acme/", "https://login.example.com/realms/acme"],
      ["http://127.0.0.1:9000", "http://127.0.0.1:9000"],
      ["http://localhost:9000/", "http://localhost:9000"],
      ["http://[::1]:9000", "http://[::1]:9000"],
    ])("accepts the issuer %s", (issuer, read) => {
      sso(issuer);
      expect(env().OIDC_ISSUER).toBe(read);
    });

    it.each([
      ["http://idp.example.com", /OIDC_ISSUER must use https:\/\//],
      ["http://10.0.0.5", /OIDC_ISSUER must use https:\/\//],
      ["http://127.0.0.1.evil.example", /OIDC_ISSUER must use https:\/\//],
      ["ftp://idp.example.com", /OIDC_ISSUER must use https:\/\//],
      ["https://user:pw@idp.example.com", /OIDC_ISSUER must be the issuer URL alone/],
      ["https://idp.example.com/?x=1", /OIDC_ISSUER must be the issuer URL alone/],
      ["idp.example.com", /OIDC_ISSUER must be a URL/],
    ])("refuses the issuer %s", (issuer, message) => {
      sso(issuer);
      expect(checkEnv()).toMatch(message);
    });

    it("wants the issuer, client id and secret together, and never echoes the secret", () => {
      vi.stubEnv("OIDC_CLIENT_SECRET", "s3cret");
      const message = checkEnv() ?? "";
      expect(message).toMatch(/OIDC_ISSUER must be set too/);
      expect(message).toMatch(/OIDC_CLIENT_ID must be set too/);
      expect(message).not.toContain("s3cret");
      sso("https://idp.example.com");
      expect(checkEnv()).toBeNull();
      expect(env().OIDC_NAME).toBe("SSO");
    });

    it("reads a role map only with a roles claim, and only to known roles", () => {
      sso("https://idp.example.com");
      vi.stubEnv("OIDC_ROLE_MAP", "leads=ops_owner");
      expect(checkEnv()).toMatch(/OIDC_ROLE_MAP needs OIDC_ROLES_CLAIM/);
      vi.stubEnv("OIDC_ROLES_CLAIM", "groups");
      expect(checkEnv()).toBeNull();
      vi.stubEnv("OIDC_ROLE_MAP", "leads=superuser");
      expect(checkEnv()).toMatch(
        /OIDC_ROLE_MAP must be value=role.*"superuser" is not a Tollgate role/,
      );
      vi.stubEnv("OIDC_ROLE_MAP", "=admin");
      expect(checkEnv()).toMatch(/OIDC_ROLE_MAP must be value=role/);
    });
  });

  it("never echoes a secret or a database URL it refuses", () => {
    vi.stubEnv("DATABASE_URL", "mysql://admin:hunter2@db.internal/x");
    const message = checkEnv();
    expect(message).toMatch(/DATABASE_URL must be a URL \(postgresql:\/\/ or postgres:\/\/…\)/);
    expect(message).not.toContain("hunter2");
  });

  it("lists every bad variable at once", () => {
    vi.stubEnv("TOLLGATE_WORKER_CONCURRENCY", "abc");
    vi.stubEnv("TOLLGATE_QUEUE_POOL_SIZE", "-1");
    const message = checkEnv() ?? "";
    expect(message).toContain("TOLLGATE_WORKER_CONCURRENCY");
    expect(message).toContain("TOLLGATE_QUEUE_POOL_SIZE");
  });

  it("says why a required variable is needed", () => {
    expect(() => requireEnv("DATABASE_URL")).toThrow(/DATABASE_URL is not set: point it at/);
    expect(checkEnv(["TOLLGATE_SECRET_KEY"])).toMatch(/TOLLGATE_SECRET_KEY is not set/);
    vi.stubEnv("DATABASE_URL", "postgresql://u@127.0.0.1:5432/t");
    expect(requireEnv("DATABASE_URL")).toBe("postgresql://u@127.0.0.1:5432/t");
    expect(checkEnv(["DATABASE_URL"])).toBeNull();
  });
});

describe(".env.example", () => {
  const text = fs.readFileSync(path.join(ROOT, ".env.example"), "utf8").split("\n");
  const entries = text.flatMap((line, i) => {
    const m = /^# ([A-Z_]+)=(.*)$/.exec(line);
    return m ? [{ name: m[1], value: m[2], comment: text[i - 1] }] : [];
  });

  it("documents exactly the variables lib/env.ts reads, each with a comment", () => {
    expect(entries.map((e) => e.name).sort()).toEqual([...ENV_NAMES].sort());
    for (const e of entries) expect(e.comment, e.name).toMatch(/^# [a-z0-9]/i);
  });

  it("shows each variable's real default", () => {
    const shape = ZEnv.shape as Record<string, { parse: (v: unknown) => unknown }>;
    for (const e of entries) {
      const def = shape[e.name].parse(undefined);
      if (def === undefined || e.value === "") continue;
      expect(shape[e.name].parse(e.value), e.name).toEqual(def);
    }
  });
});

describe("eslint: process.env only in lib/env.ts", () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (filePath: string, code: string) =>
    (await eslint.lintText(code, { filePath: path.join(ROOT, filePath) }))[0].messages.map(
      (m) => m.ruleId,
    );

  it("refuses process.env in app code, however it is spelled", async () => {
    expect(await lint("lib/x/y.ts", "export const a = process.env.A;\n")).toContain(
      "no-restricted-properties",
    );
    expect(await lint("app/page.tsx", 'export const a = process["env"];\n')).toContain(
      "no-restricted-properties",
    );
    expect(await lint("scripts/x.ts", "const { env } = process;\nexport { env };\n")).toContain(
      "no-restricted-properties",
    );
    expect(await lint("bench/x.ts", "export const a = globalThis.process.env;\n")).toContain(
      "no-restricted-syntax",
    );
  });

  it("allows it in lib/env.ts and in tests", async () => {
    expect(await lint("lib/env.ts", "export const a = process.env.A;\n")).toEqual([]);
    expect(await lint("tests/integration/x.ts", "export const a = process.env.A;\n")).toEqual([]);
  });
}, 60_000);
