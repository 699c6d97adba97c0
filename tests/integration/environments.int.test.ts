import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import {
  connectorFor,
  listConnections,
  pointDemoEnvironmentsAt,
  testConnection,
  updateConnection,
} from "@/lib/environments";
import { DestinationRefused, setResolver } from "@/lib/net/destination";
import { demoAdminId } from "./fixtures/demo-org";

const SECRET_BODY = "sk_live_LEAKED_FROM_THE_TARGET";

/**
 * A fake Salesforce on loopback that answers with secret-looking bodies: `answer` decides the
 * status and body per path; every request is recorded.
 */
async function startFakeOrg() {
  const hits: { path: string; body: string }[] = [];
  let answer: (path: string, url: string) => [number, string] = () => [500, SECRET_BODY];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hits.push({ path: req.url ?? "/", body: Buffer.concat(chunks).toString() });
      const [status, body] = answer((req.url ?? "/").split("?")[0], url);
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    answer: (fn: typeof answer) => void (answer = fn),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The bundled sandbox's connection settings, secrets apart. */
const SANDBOX_CREDS = {
  apiVersion: "62.0",
  clientId: "tollgate-sandbox-client",
  username: "integration@tollgate.sandbox",
};

describe("environment connections", () => {
  let sandbox: SandboxServer;
  let adminId: string;

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo", dailyApiLimit: 5000 });
    await pointDemoEnvironmentsAt(sandbox.url);
    adminId = await demoAdminId();
  });
  afterAll(() => sandbox.close());

  it("points the demo environments at the sandbox with encrypted secrets", async () => {
    const envs = await listConnections();
    expect(envs.map((e) => e.loginUrl)).toEqual([sandbox.url, sandbox.url, sandbox.url]);
    const raw = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    expect(raw.sfPasswordEnc).toMatch(/^v1\./);
    expect(raw.sfPasswordEnc).not.toContain("sandbox-password");
    expect(JSON.stringify(envs)).not.toContain("sandbox-password");
    expect(JSON.stringify(envs)).not.toContain("v1.");
    expect(envs[0]).toMatchObject({ hasClientSecret: true, hasPassword: true });
  });

  it("tests a connection: status ok, API usage recorded, audited", async () => {
    const result = await testConnection("prod", adminId);
    expect(result).toMatchObject({ status: "ok", lastError: null, instanceUrl: sandbox.url });
    expect(result.apiUsage).toMatchObject({ limit: 5000 });
    expect(result.apiUsage!.used).toBeGreaterThan(0);
    const audit = await db.auditEvent.findFirst({
      where: {
        action: "environment.connection_tested",
        subjectId: (await db.environment.findUniqueOrThrow({ where: { slug: "prod" } })).id,
      },
    });
    expect(audit?.payload).toMatchObject({ status: "ok" });
  });

  it("rejects bad input and changes nothing", async () => {
    const before = await db.environment.findUniqueOrThrow({ where: { slug: "staging" } });
    // each case differs from a valid input in one place
    const valid = {
      loginUrl: "https://login.salesforce.com",
      apiVersion: "62.0",
      clientId: "x",
      username: "u@x",
    };
    await expect(
      updateConnection("staging", { ...valid, loginUrl: "not a url" }, adminId),
    ).rejects.toBeInstanceOf(z.ZodError);
    await expect(
      updateConnection("staging", { ...valid, apiVersion: "v62" }, adminId),
    ).rejects.toBeInstanceOf(z.ZodError);
    await expect(updateConnection("nope", valid, adminId)).rejects.toMatchObject({
      status: 404,
    });
    const after = await db.environment.findUniqueOrThrow({ where: { slug: "staging" } });
    expect(after).toEqual(before);
  });

  it("a wrong password turns the environment to error with a clear message; fixing it recovers", async () => {
    // no client secret in the input: the stored one is kept
    const connectWith = async (password: string) => {
      await updateConnection(
        "staging",
        { loginUrl: sandbox.url, ...SANDBOX_CREDS, password },
        adminId,
      );
      return testConnection("staging", adminId);
    };
    const failed = await connectWith("wrong-password");
    expect(failed.status).toBe("error");
    expect(failed.lastError).toMatch(
      /^session_expired: Salesforce refused the login.*\(HTTP 400\)$/,
    );
    // blank secret keeps the stored one; a new password replaces it and the connector is rebuilt
    const ok = await connectWith("sandbox-password");
    expect(ok.status).toBe("ok");
    const audit = await db.auditEvent.findMany({
      where: { action: "environment.connection_updated" },
      orderBy: { seq: "desc" },
      take: 1,
    });
    expect(audit[0].payload).toEqual({ clientSecretChanged: false, passwordChanged: true });
    expect(JSON.stringify({ ...audit[0], id: String(audit[0].id) })).not.toContain(
      "sandbox-password",
    );
  });

  it("gives one connector per environment that reads the org", async () => {
    const sf = await connectorFor("prod");
    expect(await connectorFor("prod")).toBe(sf);
    const { records } = await sf.query("SELECT Id FROM Opportunity LIMIT 3");
    expect(records).toHaveLength(3);
  });

  it("lists environments in a stable order: dev, staging, prod", async () => {
    const envs = await db.environment.findMany();
    const created = new Map(envs.map((e) => [e.id, e.createdAt]));
    try {
      // created in the reverse order: the cards still read dev, staging, prod
      const t = Date.now();
      for (const [i, slug] of ["prod", "staging", "dev"].entries()) {
        await db.environment.update({
          where: { slug },
          data: { createdAt: new Date(t + i * 1000) },
        });
      }
      expect((await listConnections()).map((e) => e.slug)).toEqual(["dev", "staging", "prod"]);
    } finally {
      for (const [id, createdAt] of created) {
        await db.environment.update({ where: { id }, data: { createdAt } });
      }
    }
  });

  describe("destinations", () => {
    // DNS is stubbed: nothing here resolves for real and nothing is sent outside 127.0.0.0/8
    const DNS: Record<string, string[]> = {
      "login.salesforce.com": ["13.108.10.10"],
      "acme.my.salesforce.com": ["13.108.10.12"],
      "rebind.my.salesforce.com": ["10.0.0.5"],
      "meta.my.salesforce.com": ["169.254.169.254"],
      "loop.my.salesforce.com": ["127.0.0.1"],
      "mapped.my.salesforce.com": ["::ffff:169.254.169.254"],
      "v6.my.salesforce.com": ["fe80::1"],
      "mixed.my.salesforce.com": ["13.108.10.15", "192.168.1.7"],
      localhost: ["127.0.0.1"],
    };
    const stubDns = (overrides: Record<string, string[]> = {}) =>
      setResolver(async (host) => {
        const list = overrides[host] ?? DNS[host];
        if (!list) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
        return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
      });
    let fake: Awaited<ReturnType<typeof startFakeOrg>>;
    const backToSandbox = (slug: string) =>
      updateConnection(
        slug,
        {
          connectionKind: "sandbox",
          loginUrl: sandbox.url,
          ...SANDBOX_CREDS,
          clientSecret: "tollgate-sandbox-secret",
          password: "sandbox-password",
        },
        adminId,
      );

    beforeAll(async () => {
      fake = await startFakeOrg();
    });
    afterAll(() => fake.close());
    afterEach(() => {
      setResolver(null);
      vi.unstubAllEnvs();
    });

    it("a new login host or kind with blank secrets is refused, naming the fields, and changes nothing", async () => {
      stubDns();
      const before = await db.environment.findUniqueOrThrow({ where: { slug: "staging" } });
      const attempts = [
        // to a real Salesforce host (the stored sandbox secrets must not follow)
        { connectionKind: "salesforce" as const, loginUrl: "https://login.salesforce.com" },
        // another loopback port: still a different host
        { loginUrl: fake.url },
        // only the password given: the consumer secret is still asked for
        { loginUrl: fake.url, password: "typed-again" },
      ];
      for (const a of attempts) {
        const err = await updateConnection("staging", { ...SANDBOX_CREDS, ...a }, adminId).catch(
          (e) => e,
        );
        expect(err).toMatchObject({ status: 400, code: "secrets_required" });
        const paths = err.details.errors.map((e: { path: string }) => e.path);
        expect(paths).toEqual(a.password ? ["clientSecret"] : ["clientSecret", "password"]);
        expect(err.message).toMatch(/consumer secret/);
      }
      expect(await db.environment.findUniqueOrThrow({ where: { slug: "staging" } })).toEqual(
        before,
      );
      expect(fake.hits).toHaveLength(0);
    });

    it("a Salesforce environment accepts only Salesforce hosts whose addresses are public (stubbed DNS)", async () => {
      stubDns();
      const before = await db.environment.findUniqueOrThrow({ where: { slug: "staging" } });
      const secrets = { clientSecret: "s3cret", password: "pw" };
      const refused: [string, string][] = [
        ["https://evil.example", "not_salesforce"],
        ["https://login.salesforce.com.evil.example", "not_salesforce"],
        ["http://login.salesforce.com", "scheme"],
        ["https://login.salesforce.com:8443", "port"],
        [sandbox.url, "scheme"], // the local sandbox is only reachable as the sandbox kind
        ["https://169.254.169.254", "not_salesforce"],
        ["https://rebind.my.salesforce.com", "address_private"],
        ["https://meta.my.salesforce.com", "address_link_local"],
        ["https://loop.my.salesforce.com", "address_loopback"],
        ["https://mapped.my.salesforce.com", "address_link_local"],
        ["https://v6.my.salesforce.com", "address_link_local"],
        ["https://mixed.my.salesforce.com", "address_private"],
        ["https://login.salesforce.com/services/oauth2/token", "path"],
      ];
      for (const [loginUrl, reason] of refused) {
        const err = await updateConnection(
          "staging",
          { connectionKind: "salesforce", loginUrl, ...SANDBOX_CREDS, ...secrets },
          adminId,
        ).catch((e) => e);
        expect(err, loginUrl).toBeInstanceOf(DestinationRefused);
        expect(err, loginUrl).toMatchObject({ status: 400, reason });
        expect(err.details.errors[0].path).toBe("loginUrl");
      }
      expect(await db.environment.findUniqueOrThrow({ where: { slug: "staging" } })).toEqual(
        before,
      );

      // a My Domain with a public address is saved (and nothing connects: no test here)
      const saved = await updateConnection(
        "staging",
        {
          connectionKind: "salesforce",
          loginUrl: "https://acme.my.salesforce.com",
          ...SANDBOX_CREDS,
          ...secrets,
        },
        adminId,
      );
      expect(saved).toMatchObject({
        connectionKind: "salesforce",
        loginUrl: "https://acme.my.salesforce.com",
        status: "untested",
      });
      await backToSandbox("staging");
    });

    it("the sandbox kind is loopback only, and only where loopback is allowed", async () => {
      stubDns();
      const before = await db.environment.findUniqueOrThrow({ where: { slug: "staging" } });
      const secrets = { clientSecret: "s", password: "p" };
      for (const loginUrl of [
        "https://login.salesforce.com",
        "http://10.0.0.5:4010",
        "http://169.254.169.254",
      ]) {
        await expect(
          updateConnection(
            "staging",
            { connectionKind: "sandbox", loginUrl, ...SANDBOX_CREDS, ...secrets },
            adminId,
          ),
          loginUrl,
        ).rejects.toBeInstanceOf(DestinationRefused);
      }
      vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "0");
      await expect(
        updateConnection(
          "staging",
          { connectionKind: "sandbox", loginUrl: fake.url, ...SANDBOX_CREDS, ...secrets },
          adminId,
        ),
      ).rejects.toMatchObject({ reason: "loopback_disabled" });
      expect(await db.environment.findUniqueOrThrow({ where: { slug: "staging" } })).toEqual(
        before,
      );
      // a stored sandbox connection is not used either
      await expect(connectorFor("staging")).rejects.toMatchObject({
        status: 409,
        code: "connection_not_configured",
      });
      const tested = await testConnection("staging", adminId);
      expect(tested.status).toBe("error");
      expect(tested.lastError).toMatch(/loopback destinations are turned off/);
    });

    it("a stored URL that no longer passes is never contacted (checked again at connect time)", async () => {
      // a row written before this rule (or behind the service's back): Salesforce kind, local URL
      await db.environment.update({
        where: { slug: "dev" },
        data: { connectionKind: "salesforce", sfLoginUrl: fake.url },
      });
      await expect(connectorFor("dev")).rejects.toMatchObject({ status: 409 });
      const tested = await testConnection("dev", adminId);
      expect(tested.status).toBe("error");
      expect(tested.lastError).toMatch(/Salesforce URL must use https/);

      // DNS rebinding: localhost answered 127.0.0.1 when saved, a link-local address now
      await db.environment.update({
        where: { slug: "dev" },
        data: { connectionKind: "sandbox", sfLoginUrl: fake.url.replace("127.0.0.1", "localhost") },
      });
      stubDns({ localhost: ["169.254.169.254"] });
      const rebound = await testConnection("dev", adminId);
      expect(rebound.status).toBe("error");
      expect(rebound.lastError).toMatch(/^destination_refused: .*link-local/);
      expect(fake.hits).toHaveLength(0);
      await backToSandbox("dev");
    });

    it("a failed test keeps the error class and HTTP status, never what the other side said", async () => {
      await updateConnection(
        "dev",
        {
          connectionKind: "sandbox",
          loginUrl: fake.url,
          ...SANDBOX_CREDS,
          clientSecret: "client-secret-typed-again",
          password: "password-typed-again",
        },
        adminId,
      );
      const token = (instanceUrl: string): [number, string] => [
        200,
        JSON.stringify({
          access_token: "00Dxx!token",
          instance_url: instanceUrl,
          id: `${fake.url}/id/00D000000000001AAA/005000000000001AAA`,
          token_type: "Bearer",
          issued_at: String(Date.now()),
        }),
      ];
      const cases: [(path: string) => [number, string], RegExp][] = [
        [
          () => [400, JSON.stringify({ error: "invalid_grant", error_description: SECRET_BODY })],
          /^session_expired: Salesforce refused the login.* \(HTTP 400\)$/,
        ],
        [() => [502, `<html>${SECRET_BODY}</html>`], /^unavailable: .* \(HTTP 502\)$/],
        [
          (p) => (p.endsWith("/token") ? token(fake.url) : [500, `{"message":"${SECRET_BODY}"}`]),
          /^unavailable: Salesforce is unavailable \(HTTP 500\)$/,
        ],
        [
          (p) =>
            p.endsWith("/token")
              ? token(fake.url)
              : [404, JSON.stringify([{ errorCode: "NOT_FOUND", message: SECRET_BODY }])],
          /^not_found: .* \(HTTP 404\)$/,
        ],
        // a login that sends the session to a host outside the kind's rule: refused, not sent
        [
          (p) => (p.endsWith("/token") ? token("http://169.254.169.254") : [200, "{}"]),
          /^destination_refused: /,
        ],
      ];
      for (const [answer, expected] of cases) {
        fake.answer((p) => answer(p));
        fake.hits.length = 0;
        const tested = await testConnection("dev", adminId);
        expect(tested.status).toBe("error");
        expect(tested.lastError).toMatch(expected);
        expect(tested.lastError).not.toContain(SECRET_BODY);
        expect(fake.hits[0]?.path).toBe("/services/oauth2/token");
      }
      // the instance URL outside the rule got nothing: only the login reached the fake org
      expect(fake.hits).toHaveLength(1);
      const audits = await db.auditEvent.findMany({
        where: { action: "environment.connection_tested" },
      });
      expect(JSON.stringify(audits.map((a) => a.payload))).not.toContain(SECRET_BODY);
      const row = await db.environment.findUniqueOrThrow({ where: { slug: "dev" } });
      expect(JSON.stringify(row)).not.toContain(SECRET_BODY);
      expect(String(row.sfInstanceUrl)).not.toContain("169.254");

      // nobody listening and nobody answering read the same: no port map from error messages
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise((r) => closed.close(r));
      await updateConnection(
        "dev",
        {
          connectionKind: "sandbox",
          loginUrl: closedUrl,
          ...SANDBOX_CREDS,
          clientSecret: "c",
          password: "p",
        },
        adminId,
      );
      const unreachable = await testConnection("dev", adminId);
      expect(unreachable.lastError).toBe("unreachable: Salesforce could not be reached");
      await backToSandbox("dev");
      expect((await testConnection("dev", adminId)).status).toBe("ok");
    });
  });
});
