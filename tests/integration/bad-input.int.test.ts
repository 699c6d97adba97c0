import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { seedAgent } from "@/lib/seed/seed-helpers";
import { createApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { demoRecordIds } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { MAX_JSON_DEPTH } from "@/lib/http/read-json-body";
import { resetKillSwitch, tripKillSwitch } from "@/lib/guardrails/kill-switches";
import { clearPolicyCaches } from "@/lib/agent-api";
import { startApiInstance } from "./fixtures/api-instance";
import { insideOneMinuteWindow } from "./fixtures/clock";
import { demoAdminId } from "./fixtures/demo-org";
import { stageChangeBody } from "./fixtures/agent-bodies";

/** Hostile input that used to hurt: deep JSON, a flood of 429s, a 503 that named hosts. */
describe("bad input gets a clear answer and changes nothing", () => {
  let sandbox: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  const post = (apiKey: string, body: string) =>
    fetch(`${api.url}/api/agent/v1/action-requests`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body,
    });
  const stage = (recordId: string, extra: object = {}) =>
    stageChangeBody(recordId, { changes: { NextStep: "Send the order form" }, ...extra });
  const newAgent = async () => {
    const owner = await db.user.findFirstOrThrow();
    const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    const agent = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    const key = (await createApiKey({ agentSlug: agent.slug, envSlug: "prod" })).plaintext;
    return { agent, key };
  };

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo" });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
  });
  afterAll(async () => {
    await api.close();
    await sandbox.close().catch(() => {});
  });

  const hygieneKey = () =>
    createApiKey({ agentSlug: "pipeline-hygiene-bot", envSlug: "prod" }).then((k) => k.plaintext);

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400, storing nothing`, async () => {
    const key = await hygieneKey();
    const before = await db.actionRequest.count();
    const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
    for (const body of [
      deep(2000),
      JSON.stringify(stage(demoRecordIds().opportunities[1], { evidence: [] })).replace(
        '"evidence":[]',
        `"evidence":${deep(MAX_JSON_DEPTH + 1)}`,
      ),
      `{"a":${'{"a":'.repeat(2000)}1${"}".repeat(2001)}`,
    ]) {
      const res = await post(key, body);
      expect(res.status).toBe(400);
      const problem = await res.json();
      expect(problem).toMatchObject({ code: "invalid_body" });
      expect(problem.detail).toMatch(/deeper than 32/);
    }
    // brackets inside strings are not nesting
    const fine = await post(
      key,
      JSON.stringify(
        stage(demoRecordIds().opportunities[1], {
          reason: { code: "MEETING_HELD", text: "[".repeat(500) },
        }),
      ),
    );
    expect(fine.status).toBeLessThan(300);
    expect(await db.actionRequest.count()).toBe(before + 1);
  });

  it("250 rate-limited calls are counted, not stored: no request rows, one audit event", async () => {
    const { agent, key } = await newAgent();
    await db.agent.update({ where: { id: agent.id }, data: { callsPerMinute: 2 } });
    await insideOneMinuteWindow();
    const events = await db.auditEvent.count();
    // at once, so all of them fall in one clock minute
    const responses = await Promise.all(
      Array.from({ length: 252 }, () =>
        post(key, JSON.stringify(stage(demoRecordIds().opportunities[2]))),
      ),
    );
    const statuses = responses.map((r) => r.status);
    for (const r of responses.filter((x) => x.status === 429))
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429)).toHaveLength(250);
    expect(await db.actionRequest.count({ where: { agentId: agent.id } })).toBe(2);
    const refused = await db.rateLimitCounter.findMany({
      where: { agentId: agent.id, kind: "refused_minute" },
    });
    expect(refused.map((r) => r.count)).toEqual([250]);
    const rateEvents = await db.auditEvent.findMany({
      where: { subjectId: agent.id, action: "agent.rate_limited" },
    });
    expect(rateEvents).toHaveLength(1);
    // the two accepted requests' events plus the one for the refusals: nothing per refusal
    expect((await db.auditEvent.count()) - events).toBeLessThan(10);
  });

  it("a kill-switched agent flooding past its rate gets 423 each time, but only its in-rate calls are stored", async () => {
    const { agent, key } = await newAgent();
    await db.agent.update({ where: { id: agent.id }, data: { callsPerMinute: 2 } });
    const adminId = await demoAdminId();
    const sw = { scope: "agent" as const, target: agent.id, reason: "runaway agent" };
    await tripKillSwitch(sw, adminId);
    clearPolicyCaches();
    try {
      await insideOneMinuteWindow();
      const responses = await Promise.all(
        Array.from({ length: 60 }, () =>
          post(key, JSON.stringify(stage(demoRecordIds().opportunities[5]))),
        ),
      );
      expect(new Set(responses.map((r) => r.status))).toEqual(new Set([423]));
      expect(await db.actionRequest.count({ where: { agentId: agent.id } })).toBe(2);
      const refused = await db.rateLimitCounter.findMany({
        where: { agentId: agent.id, kind: "refused_minute" },
      });
      expect(refused.map((r) => r.count)).toEqual([58]);
    } finally {
      await resetKillSwitch(sw, adminId);
      clearPolicyCaches();
    }
  });

  it("GET and /me refusals over the rate are counted too", async () => {
    const { agent, key } = await newAgent();
    await db.agent.update({ where: { id: agent.id }, data: { callsPerMinute: 1 } });
    await insideOneMinuteWindow();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${api.url}/api/agent/v1/me`, {
        headers: { authorization: `Bearer ${key}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 429, 429, 429]);
    const refused = await db.rateLimitCounter.findMany({
      where: { agentId: agent.id, kind: "refused_minute" },
    });
    expect(refused.map((r) => r.count)).toEqual([3]);
  });

  it("an agent reading a failed request gets Salesforce's words, never the socket's", async () => {
    const key = await hygieneKey();
    const created = await (
      await post(key, JSON.stringify(stage(demoRecordIds().opportunities[6])))
    ).json();
    const read = async () =>
      (
        await fetch(`${api.url}/api/agent/v1/action-requests/${created.id}`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json();
    const failWith = (lastErrorClass: string, lastErrorCode: string, lastErrorMessage: string) =>
      db.actionRequest.update({
        where: { id: created.id },
        data: { lastErrorClass, lastErrorCode, lastErrorMessage },
      });
    await failWith("unavailable", "ECONNREFUSED", "connect ECONNREFUSED 10.1.2.3:8443");
    const hidden = (await read()).execution.lastError;
    expect(hidden).toMatchObject({ class: "unavailable", code: "ECONNREFUSED" });
    expect(hidden.message).not.toMatch(/10\.1\.2\.3|8443|ECONNREFUSED/);
    await failWith(
      "validation",
      "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      "Close Date cannot be in the past",
    );
    expect((await read()).execution.lastError.message).toBe("Close Date cannot be in the past");
  });

  it("a 503 when Salesforce cannot be read names no host or port", async () => {
    const key = await hygieneKey();
    const port = new URL(sandbox.url).port;
    expect((await post(key, JSON.stringify(stage(demoRecordIds().opportunities[3])))).status).toBe(
      201,
    );
    await sandbox.close();
    const res = await post(key, JSON.stringify(stage(demoRecordIds().opportunities[4])));
    expect(res.status).toBe(503);
    const problem = await res.json();
    expect(problem.code).toBe("system_unavailable");
    expect(problem.detail).toMatch(/Salesforce could not be read/);
    for (const leak of [port, "127.0.0.1", "localhost", "http", "ECONNREFUSED"]) {
      expect(problem.detail).not.toContain(leak);
    }
  });
});
