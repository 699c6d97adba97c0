import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { createApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { admitCall, noGiveBack, type TRateWindow } from "@/lib/guardrails/rate-limit";
import { IDLE_MS } from "@/lib/guardrails/rate-lease";
import { seedAgent } from "@/lib/seed/seed-helpers";
import { startApiInstance } from "./fixtures/api-instance";
import { insideOneMinuteWindow } from "./fixtures/clock";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for the idle sweep (every IDLE_MS / 2) to give unused places back. */
const afterSweep = () => sleep(IDLE_MS * 2 + 200);

/**
 * Calls counted ahead (lib/guardrails/rate-lease.ts): a fast agent's calls take places an
 * earlier admission statement counted, each an exact position, so a limit is never exceeded —
 * also by two instances at once — unused places go back, and a replay is still answered as it
 * was and not counted.
 */
describe("rate places counted ahead", () => {
  let sandbox: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  let owner: { id: string };
  let prod: { id: string };

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo" });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
    owner = await db.user.findFirstOrThrow();
    prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
  });

  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
  });

  // each kind's newest window (ordered: an earlier test's older windows of the same agent would
  // otherwise win whenever an update moved the current row ahead of them in the table)
  const counters = async (agentId: string) =>
    Object.fromEntries(
      (
        await db.rateLimitCounter.findMany({ where: { agentId }, orderBy: { windowStart: "asc" } })
      ).map((c) => [c.kind, c.count]),
    );

  it("two instances calling fast admit exactly the limit, each call at its own place", async () => {
    const agent = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    // a second copy of the module, as a second app instance has: its own places counted ahead
    vi.resetModules();
    const other = await import("@/lib/guardrails/rate-limit");
    expect(other.admitCall).not.toBe(admitCall);
    await insideOneMinuteWindow(40);
    const now = new Date();
    const windows: TRateWindow[] = [
      { kind: "calls_minute", limit: 600 },
      { kind: "writes_hour", limit: 100_000 },
    ];
    const results = [];
    // waves of 50 concurrent calls, each wave on both instances, 1,000 calls in all
    for (let wave = 0; wave < 10; wave++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            (i % 2 ? other.admitCall : admitCall)(agent.id, windows, now),
          ),
        )),
      );
    }
    const ahead = results.filter((r) => r.giveBack !== noGiveBack);
    expect(ahead.length).toBeGreaterThan(100); // the path under test ran
    const allowed = results.filter((r) => r.rates[0].allowed);
    expect(allowed).toHaveLength(600);
    // every admitted call at its own position 1..600, never two at one place
    expect(allowed.map((r) => r.rates[0].used).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    expect(results.filter((r) => !r.rates[0].allowed).every((r) => r.rates[0].used > 600)).toBe(
      true,
    );
    await afterSweep();
    // every call counted once, nothing held
    expect(await counters(agent.id)).toEqual({ calls_minute: 1000, writes_hour: 1000 });
  });

  it("places left unused go back to the counters", async () => {
    const agent = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    await insideOneMinuteWindow(40);
    const now = new Date();
    const windows: TRateWindow[] = [{ kind: "calls_minute", limit: 100_000 }];
    for (let wave = 0; wave < 2; wave++) {
      await Promise.all(Array.from({ length: 40 }, () => admitCall(agent.id, windows, now)));
    }
    const held = (await counters(agent.id)).calls_minute;
    expect(held).toBeGreaterThan(80); // counted ahead
    await afterSweep();
    expect((await counters(agent.id)).calls_minute).toBe(80);
  });

  it("near a limit nothing is counted ahead: a small limit is counted call by call", async () => {
    const agent = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    await insideOneMinuteWindow(40);
    const now = new Date();
    const windows: TRateWindow[] = [{ kind: "calls_minute", limit: 20 }];
    const results = await Promise.all(
      Array.from({ length: 60 }, () => admitCall(agent.id, windows, now)),
    );
    expect(results.every((r) => r.giveBack === noGiveBack)).toBe(true);
    expect(results.filter((r) => r.rates[0].allowed)).toHaveLength(20);
    expect(await counters(agent.id)).toEqual({ calls_minute: 60 });
  });

  it("a replay among fast calls is answered as it was and not counted", async () => {
    const bot = await db.agent.findFirstOrThrow({
      where: { slug: "lead-enrichment-bot", environmentId: prod.id },
    });
    const limits = { callsPerMinute: bot.callsPerMinute, writesPerHour: bot.writesPerHour };
    await db.agent.update({
      where: { id: bot.id },
      data: { callsPerMinute: 100_000, writesPerHour: 100_000 },
    });
    try {
      const key = (await createApiKey({ agentSlug: "lead-enrichment-bot", envSlug: "prod" }))
        .plaintext;
      const body = (idempotencyKey: string) => ({
        idempotencyKey,
        workflow: { key: "lead-enrichment" },
        actionType: "lead.create",
        target: { system: "salesforce", object: "Lead", recordId: null },
        changes: { LastName: `Lease ${idempotencyKey}`, Company: "Lease Co", LeadSource: "Web" },
        reason: { code: "INBOUND_FORM" },
        evidence: [{ type: "form_submission", ref: "form/1" }],
      });
      const post = (b: object) =>
        fetch(`${api.url}/api/agent/v1/action-requests`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(b),
        });
      await insideOneMinuteWindow(30);
      const tag = crypto.randomBytes(4).toString("hex");
      const first = Array.from({ length: 40 }, (_, i) => `lease-${tag}-${i}`);
      const created = await Promise.all(first.map((k) => post(body(k))));
      expect(created.map((r) => r.status)).toEqual(first.map(() => 201));
      const ids = await Promise.all(created.map(async (r) => (await r.json()).id as string));
      await afterSweep();
      const before = (await counters(bot.id)).calls_minute;

      // 40 calls at once in this process (the API instance's): places are counted ahead
      const windows: TRateWindow[] = [
        { kind: "calls_minute", limit: 100_000 },
        { kind: "writes_hour", limit: 100_000 },
      ];
      await Promise.all(first.map(() => admitCall(bot.id, windows, new Date())));
      expect((await counters(bot.id)).calls_minute).toBeGreaterThan(before + 40);
      // the replays, one after another, take those places: answered as they were
      for (const [i, k] of first.entries()) {
        const again = await post(body(k));
        expect(again.status).toBe(200);
        expect((await again.json()).id).toBe(ids[i]);
      }
      // a replay of a change to a record: answered before Salesforce is read (an agent
      // retrying one key never spends the org's API calls)
      const leadId = String(
        ([...sandbox.store.records("Lead")] as { Id: string; IsConverted: boolean }[]).find(
          (l) => !l.IsConverted,
        )!.Id,
      );
      const enrich = {
        idempotencyKey: `lease-${tag}-enrich`,
        workflow: { key: "lead-enrichment" },
        actionType: "lead.enrich",
        target: { system: "salesforce", object: "Lead", recordId: leadId },
        changes: { Title: "VP Revenue Operations" },
        reason: { code: "ENRICHMENT_MATCH" },
      };
      const enriched = await post(enrich);
      expect([201, 403, 422]).toContain(enriched.status);
      const original = await enriched.text();
      await Promise.all(first.map(() => admitCall(bot.id, windows, new Date())));
      const reads = sandbox.state().totalRequests;
      for (let i = 0; i < 10; i++) {
        const again = await post(enrich);
        expect(again.status).toBe(enriched.status === 201 ? 200 : enriched.status);
        expect(JSON.parse(await again.text()).id ?? null).toBe(JSON.parse(original).id ?? null);
      }
      expect(sandbox.state().totalRequests - reads).toBe(0);

      // a reused key with another body: the conflict, not counted either
      const conflict = await post({ ...body(first[0]), changes: { LastName: "Other" } });
      expect(conflict.status).toBe(409);

      await afterSweep();
      // the 2 × 40 calls above and the enrichment counted; replays and the conflict given back
      expect((await counters(bot.id)).calls_minute - before).toBe(81);
      expect(
        await db.actionRequest.count({
          where: { agentId: bot.id, idempotencyKey: { startsWith: `lease-${tag}-` } },
        }),
      ).toBe(41);
    } finally {
      await db.agent.update({ where: { id: bot.id }, data: limits });
    }
  });
});
