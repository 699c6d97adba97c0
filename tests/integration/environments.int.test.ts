import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("environment connections", () => {
  let sandbox: SandboxServer;
  let adminId: string;

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo", dailyApiLimit: 5000 });
    await pointDemoEnvironmentsAt(sandbox.url);
    adminId = (await db.user.findUniqueOrThrow({ where: { email: "admin@tollgate.demo" } })).id;
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
    await expect(
      updateConnection(
        "staging",
        { loginUrl: "not a url", apiVersion: "62.0", clientId: "x", username: "u@x" },
        adminId,
      ),
    ).rejects.toBeInstanceOf(z.ZodError);
    await expect(
      updateConnection(
        "staging",
        {
          loginUrl: "https://login.salesforce.com",
          apiVersion: "v62",
          clientId: "x",
          username: "u@x",
        },
        adminId,
      ),
    ).rejects.toBeInstanceOf(z.ZodError);
    await expect(
      updateConnection(
        "nope",
        {
          loginUrl: "https://login.salesforce.com",
          apiVersion: "62.0",
          clientId: "x",
          username: "u@x",
        },
        adminId,
      ),
    ).rejects.toMatchObject({ status: 404 });
    const after = await db.environment.findUniqueOrThrow({ where: { slug: "staging" } });
    expect(after).toEqual(before);
  });

  it("a wrong password turns the environment to error with a clear message; fixing it recovers", async () => {
    await updateConnection(
      "staging",
      {
        loginUrl: sandbox.url,
        apiVersion: "62.0",
        clientId: "tollgate-sandbox-client",
        username: "integration@tollgate.sandbox",
        password: "wrong-password",
      },
      adminId,
    );
    const failed = await testConnection("staging", adminId);
    expect(failed.status).toBe("error");
    expect(failed.lastError).toMatch(/^session_expired: Salesforce refused the login/);
    // blank secret keeps the stored one; a new password replaces it and the connector is rebuilt
    await updateConnection(
      "staging",
      {
        loginUrl: sandbox.url,
        apiVersion: "62.0",
        clientId: "tollgate-sandbox-client",
        username: "integration@tollgate.sandbox",
        password: "sandbox-password",
      },
      adminId,
    );
    const ok = await testConnection("staging", adminId);
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
});
