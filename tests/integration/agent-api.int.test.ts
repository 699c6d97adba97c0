import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { seedAgent } from "@/lib/seed/seed-helpers";
import { API_KEY_CACHE_MS, createApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { resetKillSwitch, tripKillSwitch } from "@/lib/guardrails/kill-switches";
import { clearPolicyCaches } from "@/lib/agent-api";
import { startApiInstance } from "./fixtures/api-instance";
import { insideOneMinuteWindow } from "./fixtures/clock";
import { demoAdminId } from "./fixtures/demo-org";
import { stageChangeBody } from "./fixtures/agent-bodies";

type TOpp = { Id: string; StageName: string; Amount: number; IsClosed: boolean };

/** The agent API of API.md over HTTP, against PostgreSQL and the Salesforce sandbox. */
describe("agent API", () => {
  let sandbox: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  let adminId: string;
  const keys: Record<string, string> = {};
  let openEarly: TOpp, openLate: TOpp, closed: TOpp;
  let leadId: string;
  let n = 0;
  const key = () => `it-${Date.now()}-${n++}`;

  const post = (apiKey: string | null, body: unknown, base = api.url) =>
    fetch(`${base}/api/agent/v1/action-requests`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const get = (apiKey: string, path: string, base = api.url) =>
    fetch(`${base}/api/agent/v1${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const stage = (opp: TOpp, StageName: string, extra: object = {}) =>
    stageChangeBody(opp.Id, { changes: { StageName }, ...extra });
  const problem = async (res: Response, status: number, code: string) => {
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = await res.json();
    expect({ status: res.status, code: body.code }).toEqual({ status, code });
    expect(body).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
      requestId: expect.any(String),
    });
    return body;
  };

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo", control: true });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
    adminId = await demoAdminId();
    for (const [env, slug] of [
      ["prod", "pipeline-hygiene-bot"],
      ["prod", "lead-enrichment-bot"],
      ["prod", "quote-assistant"],
      ["staging", "quote-assistant"],
      ["prod", "lead-routing-bot"],
    ]) {
      keys[`${env}/${slug}`] = (
        await createApiKey({ agentSlug: slug, envSlug: env, label: "it" })
      ).plaintext;
    }
    const opps = [...sandbox.store.records("Opportunity")] as unknown as TOpp[];
    openEarly = opps.find(
      (o) => !o.IsClosed && o.StageName === "Qualification" && o.Amount < 90_000,
    )!;
    openLate = opps.find(
      (o) => !o.IsClosed && o.StageName === "Proposal/Price Quote" && o.Amount < 90_000,
    )!;
    closed = opps.find((o) => o.IsClosed)!;
    leadId = String(
      ([...sandbox.store.records("Lead")] as { Id: string; IsConverted: boolean }[]).find(
        (l) => !l.IsConverted,
      )!.Id,
    );
    expect([openEarly, openLate, closed].every(Boolean)).toBe(true);
  });
  afterAll(async () => {
    await api.close();
    await sandbox.close();
  });

  it("routes a late-stage change to the deal desk, with before read from Salesforce", async () => {
    const res = await post(
      keys["prod/pipeline-hygiene-bot"],
      stage(openLate, "Negotiation/Review"),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      id: expect.stringMatching(/^ar_/),
      status: "pending_approval",
      decision: {
        mode: "human_in_the_loop",
        approverRole: "deal_desk",
        rule: "opportunity.change_stage/late-stage",
      },
      workflow: { key: "pipeline-hygiene", version: expect.any(Number) },
      before: { StageName: "Proposal/Price Quote" },
      links: { self: `/api/agent/v1/action-requests/${body.id}` },
    });
    const row = await db.actionRequest.findUniqueOrThrow({
      where: { id: body.id },
      include: { fieldChanges: true },
    });
    expect(row.fieldChanges).toMatchObject([
      { field: "StageName", oldValue: "Proposal/Price Quote", newValue: "Negotiation/Review" },
    ]);
    const audit = await db.auditEvent.findFirst({
      where: { subjectId: body.id, action: "action_request.created" },
    });
    expect(audit).toMatchObject({
      lane: "execution",
      actorType: "agent",
      reasonCode: "MEETING_HELD",
    });

    const got = await get(
      keys["prod/pipeline-hygiene-bot"],
      body.links.self.replace("/api/agent/v1", ""),
    );
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      id: body.id,
      status: "pending_approval",
      execution: { attempts: 0 },
    });
    // another agent cannot see it
    await problem(
      await get(keys["prod/lead-enrichment-bot"], `/action-requests/${body.id}`),
      404,
      "not_found",
    );
  });

  it("sends an early-stage change to Sales Ops, auto-approves enrichment, drafts human-only work, observes in observe phase", async () => {
    const early = await (
      await post(keys["prod/pipeline-hygiene-bot"], stage(openEarly, "Needs Analysis"))
    ).json();
    expect(early).toMatchObject({
      status: "pending_approval",
      decision: { approverRole: "sales_ops", rule: "opportunity.change_stage/default" },
    });

    const enrich = await post(keys["prod/lead-enrichment-bot"], {
      idempotencyKey: key(),
      workflow: { key: "lead-enrichment" },
      actionType: "lead.enrich",
      target: { system: "salesforce", object: "Lead", recordId: leadId },
      changes: { Title: "VP Revenue Operations" },
      reason: { code: "ENRICHMENT_MATCH" },
    });
    expect(enrich.status).toBe(201);
    const enriched = await enrich.json();
    expect(enriched).toMatchObject({
      status: "auto_approved",
      decision: { mode: "auto" },
    });
    // the auto-approved request's execution job committed with it; work waiting for a person has none
    const jobsOf = (id: string) =>
      db.$queryRaw<{ name: string; data: unknown }[]>`
        select name, data from pgboss.job where singleton_key = ${id}`;
    expect(await jobsOf(enriched.id)).toEqual([
      { name: "tollgate-execute", data: { requestId: enriched.id } },
    ]);
    expect(await jobsOf(early.id)).toEqual([]);

    const amount = await (
      await post(keys["prod/pipeline-hygiene-bot"], {
        ...stage(openEarly, ""),
        actionType: "opportunity.change_amount_or_close_date",
        changes: { Amount: Math.round(openEarly.Amount * 1.1) },
        reason: { code: "PRICING_UPDATED" },
      })
    ).json();
    expect(amount).toMatchObject({
      status: "draft",
      decision: { mode: "human_only", approverRole: "ae_manager" },
    });

    const observed = await post(keys["staging/quote-assistant"], {
      idempotencyKey: key(),
      workflow: { key: "quote-to-order" },
      actionType: "quote.create",
      target: { system: "salesforce", object: "Quote", recordId: null },
      changes: { Name: "Q-1", OpportunityId: openLate.Id, Status: "Draft" },
      reason: { code: "QUOTE_REQUESTED" },
    });
    expect(observed.status).toBe(201);
    expect(await observed.json()).toMatchObject({ status: "observed", before: null });
  });

  it("answers every row of the error table (and records the refusals it should)", async () => {
    const bot = keys["prod/pipeline-hygiene-bot"];
    await problem(await post(null, stage(openLate, "Negotiation/Review")), 401, "invalid_api_key");
    await problem(
      await post("tg_prod_" + "x".repeat(40), stage(openLate, "Negotiation/Review")),
      401,
      "invalid_api_key",
    );
    await problem(await post(bot, "{not json"), 400, "invalid_body");
    await problem(await post(bot, { ...stage(openLate, "x"), changes: {} }), 400, "invalid_body");
    await problem(
      await post(bot, { ...stage(openLate, "x"), actionType: "opportunity.teleport" }),
      400,
      "invalid_body",
    );
    await problem(
      await post(bot, { ...stage(openLate, "x"), changes: { StageName: 42 } }).then((r) => r),
      400,
      "invalid_body",
    );
    await problem(
      await post(bot, { ...stage(openLate, "x"), reason: { code: "x".repeat(70_000) } }),
      413,
      "payload_too_large",
    );

    const refusedBefore = await db.actionRequest.count({ where: { refusalCode: { not: null } } });
    const scope = await problem(
      await post(bot, stage(closed, "Negotiation/Review")),
      403,
      "scope_denied",
    );
    expect(scope.detail).toMatch(/IsClosed/);
    await problem(
      await post(bot, stage({ ...openLate, Id: "006000000000000AAA" }, "Negotiation/Review")),
      404,
      "record_not_found",
    );
    await problem(
      await post(bot, stage(openLate, "Negotiation/Review", { reason: undefined })),
      422,
      "reason_required",
    );
    await problem(
      await post(bot, stage(openLate, "Negotiation/Review", { evidence: [] })),
      422,
      "evidence_required",
    );
    const constraint = await problem(
      await post(bot, {
        ...stage(openEarly, ""),
        actionType: "opportunity.change_amount_or_close_date",
        changes: { Amount: Math.round(openEarly.Amount * 1.5) },
      }),
      422,
      "constraint_violated",
    );
    expect(constraint.detail).toMatch(/20%/);

    await db.fieldOwnership.update({
      where: { system_object_field: { system: "salesforce", object: "Lead", field: "OwnerId" } },
      data: { allowedWriters: ["humans"] },
    });
    clearPolicyCaches();
    try {
      const owned = await problem(
        await post(keys["prod/lead-routing-bot"], {
          idempotencyKey: key(),
          workflow: { key: "lead-routing" },
          actionType: "lead.enrich",
          target: { system: "salesforce", object: "Lead", recordId: leadId },
          changes: { OwnerId: "005000000000000AAA" },
          reason: { code: "TERRITORY_MATCH" },
        }),
        403,
        "field_owned_elsewhere",
      );
      expect(owned.detail).toMatch(/OwnerId/);
    } finally {
      await db.fieldOwnership.update({
        where: { system_object_field: { system: "salesforce", object: "Lead", field: "OwnerId" } },
        data: { allowedWriters: ["humans", "lead-routing-bot"] },
      });
      clearPolicyCaches();
    }
    expect(await db.actionRequest.count({ where: { refusalCode: { not: null } } })).toBe(
      refusedBefore + 6,
    );

    const agent = await db.agent.findFirstOrThrow({
      where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
    });
    await tripKillSwitch({ scope: "agent", target: agent.id, reason: "integration test" }, adminId);
    clearPolicyCaches();
    try {
      const locked = await problem(
        await post(bot, stage(openLate, "Negotiation/Review")),
        423,
        "kill_switch_engaged",
      );
      expect(locked.detail).toMatch(/integration test/);
    } finally {
      await resetKillSwitch({ scope: "agent", target: agent.id, reason: "done" }, adminId);
      clearPolicyCaches();
    }
  });

  it("refuses a suspended agent and rate-limits with Retry-After", async () => {
    const owner = await db.user.findFirstOrThrow();
    const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    const limited = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    await db.agent.update({ where: { id: limited.id }, data: { callsPerMinute: 3 } });
    const k = (await createApiKey({ agentSlug: limited.slug, envSlug: "prod" })).plaintext;
    await insideOneMinuteWindow(50);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(k, "/me")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await get(k, "/me");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await problem(res, 429, "rate_limited");

    // suspended behind this instance's back (as by another instance): refused once the key's
    // cached row is older than its bound
    await db.agent.update({ where: { id: limited.id }, data: { status: "suspended" } });
    await new Promise((r) => setTimeout(r, API_KEY_CACHE_MS + 50));
    await problem(await get(k, "/me"), 403, "agent_inactive");
  });

  it("replays the same key and body, and refuses the same key with another body", async () => {
    const body = stage(openLate, "Negotiation/Review");
    const first = await post(keys["prod/pipeline-hygiene-bot"], body);
    expect(first.status).toBe(201);
    const created = await first.json();
    const again = await post(keys["prod/pipeline-hygiene-bot"], body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(created);
    const conflict = await post(keys["prod/pipeline-hygiene-bot"], {
      ...body,
      changes: { StageName: "Closed Won" },
    });
    await problem(conflict, 409, "idempotency_conflict");
  });

  it("makes one request out of 20 concurrent identical POSTs", async () => {
    const body = stage(openLate, "Negotiation/Review");
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(keys["prod/pipeline-hygiene-bot"], body)),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await db.actionRequest.count({ where: { idempotencyKey: body.idempotencyKey } })).toBe(
      1,
    );
  });

  it("describes the agent: phase, grants, action types with modes, headroom", async () => {
    const me = await (await get(keys["prod/pipeline-hygiene-bot"], "/me")).json();
    expect(me.agent).toMatchObject({
      slug: "pipeline-hygiene-bot",
      phase: "execute",
      status: "active",
    });
    expect(me.actionTypes.map((a: { key: string }) => a.key).sort()).toEqual([
      "opportunity.change_amount_or_close_date",
      "opportunity.change_stage",
      "opportunity.create",
    ]);
    expect(
      me.actionTypes.find((a: { key: string }) => a.key === "opportunity.change_stage"),
    ).toMatchObject({
      mode: "human_in_the_loop",
      raisedWhen: [expect.objectContaining({ name: "late-stage" })],
    });
    expect(me.rateLimits.callsPerMinute).toMatchObject({ limit: 120 });
    const quote = await (await get(keys["prod/quote-assistant"], "/me")).json();
    expect(quote.actionTypes.find((a: { key: string }) => a.key === "quote.create").mode).toBe(
      "human_only",
    );
  });

  it("serves OpenAPI 3.1 generated from the zod schemas", async () => {
    const doc = await (await fetch(`${api.url}/api/agent/v1/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    const input = doc.components.schemas.ActionRequestInput;
    expect(input.required).toEqual(
      expect.arrayContaining(["idempotencyKey", "workflow", "actionType", "target", "changes"]),
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/action-requests", "/action-requests/{id}", "/me"]),
    );
  });

  it("waits for a status change with waitSeconds", async () => {
    const created = await (
      await post(keys["prod/pipeline-hygiene-bot"], stage(openLate, "Negotiation/Review"))
    ).json();
    // a Prisma query runs only once then() is called on it
    setTimeout(() => {
      db.actionRequest
        .update({ where: { id: created.id }, data: { status: "approved" } })
        .then(() => {});
    }, 600);
    const t0 = Date.now();
    const res = await (
      await get(keys["prod/pipeline-hygiene-bot"], `/action-requests/${created.id}?waitSeconds=5`)
    ).json();
    expect(res.status).toBe("approved");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(Date.now() - t0).toBeLessThan(4_000);
    await problem(
      await get(keys["prod/pipeline-hygiene-bot"], `/action-requests/${created.id}?waitSeconds=99`),
      400,
      "invalid_body",
    );
  });

  describe("two app instances on one database", () => {
    let second: ChildProcess;
    let secondUrl: string;
    beforeAll(async () => {
      second = spawn(process.execPath, [...NODE_TS, "tests/integration/fixtures/api-instance.ts"], {
        stdio: ["ignore", "pipe", "inherit"],
        env: process.env,
      });
      secondUrl = await new Promise<string>((resolve, reject) => {
        second.stdout!.on("data", (d) => {
          const m = /READY (\S+)/.exec(String(d));
          if (m) resolve(m[1]);
        });
        second.on("exit", (c) => reject(new Error(`instance exited ${c}`)));
      });
    });
    afterAll(() => void second.kill());

    it("shares the rate limit", async () => {
      const owner = await db.user.findFirstOrThrow();
      const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
      const a = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
      await db.agent.update({ where: { id: a.id }, data: { callsPerMinute: 6 } });
      const k = (await createApiKey({ agentSlug: a.slug, envSlug: "prod" })).plaintext;
      await insideOneMinuteWindow(50);
      const codes = [];
      for (let i = 0; i < 8; i++)
        codes.push((await get(k, "/me", i % 2 ? secondUrl : api.url)).status);
      expect(codes.filter((c) => c === 200)).toHaveLength(6);
      expect(codes.slice(6)).toEqual([429, 429]);
    });

    it("refuses with 423 on the other instance within 1 s of a trip", async () => {
      const bot = keys["prod/pipeline-hygiene-bot"];
      // warm the second instance's caches first
      expect((await get(bot, "/me", secondUrl)).status).toBe(200);
      const agent = await db.agent.findFirstOrThrow({
        where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
      });
      await tripKillSwitch(
        { scope: "environment", target: "prod", reason: "incident drill" },
        adminId,
      );
      const tripped = Date.now();
      try {
        let status = 0;
        while (Date.now() - tripped < 1_000) {
          status = (await post(bot, stage(openLate, "Negotiation/Review"), secondUrl)).status;
          if (status === 423) break;
        }
        expect(status).toBe(423);
        expect(Date.now() - tripped).toBeLessThan(1_000);
      } finally {
        await resetKillSwitch(
          { scope: "environment", target: "prod", reason: "drill over" },
          adminId,
        );
        expect(agent.id).toBeTruthy();
      }
    });
  });
});
