import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { API_KEY_CACHE_MS, createApiKey, parseApiKey, revokeApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { ENVIRONMENT_CACHE_MS, pointDemoEnvironmentsAt } from "@/lib/environments";
import { clearPolicyCaches } from "@/lib/agent-api";
import { CONFIG_TTL_MS } from "@/lib/agent-api/policy-context";
import { admitCall } from "@/lib/guardrails/rate-limit";
import { seedAgent } from "@/lib/seed/seed-helpers";
import { startApiInstance } from "./fixtures/api-instance";
import { insideOneMinuteWindow } from "./fixtures/clock";
import { demoAdminId } from "./fixtures/demo-org";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A change made by another instance (straight in the database) is used here after this long. */
const past = (boundMs: number) => sleep(boundMs + 50);

/**
 * The agent API's per-process caches (API keys, configuration, environments) and their bounds:
 * a change made in this process applies at once, one made behind its back (as by another
 * instance on the same database) within the documented bound.
 */
describe("ingest caches", () => {
  let sandbox: SandboxServer;
  let other: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  let adminId: string;
  let leadId: string;

  const me = (key: string) =>
    fetch(`${api.url}/api/agent/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  const post = (key: string, body: object) =>
    fetch(`${api.url}/api/agent/v1/action-requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ idempotencyKey: `it-${crypto.randomUUID()}`, ...body }),
    });
  const createLead = (key: string) =>
    post(key, {
      workflow: { key: "lead-enrichment" },
      actionType: "lead.create",
      target: { system: "salesforce", object: "Lead", recordId: null },
      changes: { LastName: "Cache", Company: "Cache Co", LeadSource: "Web" },
      reason: { code: "INBOUND_FORM" },
      evidence: [{ type: "form_submission", ref: "form/1" }],
    });
  const enrichLead = (key: string) =>
    post(key, {
      workflow: { key: "lead-enrichment" },
      actionType: "lead.enrich",
      target: { system: "salesforce", object: "Lead", recordId: leadId },
      changes: { Title: "VP Revenue Operations" },
      reason: { code: "ENRICHMENT_MATCH" },
    });
  const newKey = async () =>
    (await createApiKey({ agentSlug: "lead-enrichment-bot", envSlug: "prod" })).plaintext;

  beforeAll(async () => {
    await seedDemoOrg({ history: false });
    sandbox = await createSandboxServer({ seed: "demo" });
    other = await createSandboxServer({ seed: "none" });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
    adminId = await demoAdminId();
    leadId = String(
      ([...sandbox.store.records("Lead")] as { Id: string; IsConverted: boolean }[]).find(
        (l) => !l.IsConverted,
      )!.Id,
    );
  });
  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    await other?.close();
  });

  it("bounds of at most a second", () => {
    expect(Math.max(API_KEY_CACHE_MS, CONFIG_TTL_MS, ENVIRONMENT_CACHE_MS)).toBeLessThanOrEqual(
      1_000,
    );
  });

  it("a key revoked here is refused at once; one revoked elsewhere within API_KEY_CACHE_MS", async () => {
    const here = await newKey();
    expect((await me(here)).status).toBe(200); // its row is cached now
    const row = await db.apiKey.findFirstOrThrow({ where: { prefix: parseApiKey(here)!.prefix } });
    await revokeApiKey({ keyId: row.id, actorUserId: adminId, reason: "leaked" });
    expect((await me(here)).status).toBe(401);

    const elsewhere = await newKey();
    expect((await me(elsewhere)).status).toBe(200);
    await db.apiKey.updateMany({
      where: { prefix: parseApiKey(elsewhere)!.prefix },
      data: { revokedAt: new Date() },
    });
    await past(API_KEY_CACHE_MS);
    expect((await me(elsewhere)).status).toBe(401);
  });

  it("a limit lowered elsewhere applies within API_KEY_CACHE_MS", async () => {
    const key = await newKey();
    const agent = await db.agent.findFirstOrThrow({
      where: { slug: "lead-enrichment-bot", environment: { slug: "prod" } },
    });
    expect((await me(key)).status).toBe(200); // this minute has calls of the agent's already
    await db.agent.update({ where: { id: agent.id }, data: { callsPerMinute: 1 } });
    try {
      await past(API_KEY_CACHE_MS);
      // a minute may begin among these (its first call is within 1): never before two of them
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await me(key)).status);
      expect(statuses).toContain(429);
    } finally {
      await db.agent.update({
        where: { id: agent.id },
        data: { callsPerMinute: agent.callsPerMinute },
      });
      await past(API_KEY_CACHE_MS);
    }
  });

  it("a matrix change made elsewhere decides requests within CONFIG_TTL_MS", async () => {
    const key = await newKey();
    const created = await createLead(key);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ status: "auto_approved" });

    const rule = await db.policyRule.findFirstOrThrow({
      where: { actionType: { key: "lead.create" }, matrixVersion: { status: "active" } },
    });
    await db.policyRule.update({
      where: { id: rule.id },
      data: { mode: "human_in_the_loop", approverRole: "sales_ops", requiredApprovals: 1 },
    });
    try {
      await past(CONFIG_TTL_MS);
      const waiting = await createLead(key);
      expect(waiting.status).toBe(201);
      expect(await waiting.json()).toMatchObject({
        status: "pending_approval",
        decision: { approverRole: "sales_ops" },
      });
    } finally {
      await db.policyRule.update({
        where: { id: rule.id },
        data: { mode: rule.mode, approverRole: rule.approverRole, requiredApprovals: 0 },
      });
      clearPolicyCaches();
    }
    // and this process's own clear applies at once
    expect(await (await createLead(key)).json()).toMatchObject({ status: "auto_approved" });
  });

  it("an environment pointed at another org reads from it: at once here, within ENVIRONMENT_CACHE_MS elsewhere", async () => {
    const key = await newKey();
    expect((await enrichLead(key)).status).toBe(201); // the lead is in the demo sandbox

    // repointed behind this process's back: the other org has no such lead
    await db.environment.update({ where: { slug: "prod" }, data: { sfLoginUrl: other.url } });
    await past(ENVIRONMENT_CACHE_MS);
    const missing = await enrichLead(key);
    expect((await missing.json()).code).toBe("record_not_found");

    // repointed in this process (as the console saves a connection): used at once
    await pointDemoEnvironmentsAt(sandbox.url);
    expect((await enrichLead(key)).status).toBe(201);
  });

  it("coalesced admission: concurrent calls get distinct exact places, replays are not counted", async () => {
    const owner = await db.user.findFirstOrThrow();
    const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    const agent = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    await db.actionRequest.create({
      data: {
        id: `ar_${crypto.randomUUID()}`,
        agentId: agent.id,
        environmentId: prod.id,
        idempotencyKey: "used-before",
        bodyHash: "x",
        object: "Lead",
        status: "denied",
        decisionReasons: [],
      },
    });
    await insideOneMinuteWindow();
    const now = new Date();
    const windows = [
      { kind: "calls_minute" as const, limit: 10 },
      { kind: "writes_hour" as const, limit: 15 },
    ];
    // 30 at once: every third a replay of the request above, the rest new keys (one in-flight
    // statement per agent, so most of these share statements)
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        admitCall(agent.id, windows, now, i % 3 === 0 ? "used-before" : `new-${i}`),
      ),
    );
    const fresh = results.filter((r) => !r.existing);
    expect(results.filter((r) => r.existing)).toHaveLength(10);
    expect(fresh.map((r) => r.rates[0].used).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(fresh.filter((r) => r.rates[0].allowed)).toHaveLength(10);
    expect(fresh.filter((r) => r.rates[1].allowed)).toHaveLength(15);
    for (const r of fresh) expect(r.rates[1].used).toBe(r.rates[0].used);
    const counters = await db.rateLimitCounter.findMany({ where: { agentId: agent.id } });
    expect(Object.fromEntries(counters.map((c) => [c.kind, c.count]))).toEqual({
      calls_minute: 20,
      writes_hour: 20,
    });
  });
});
