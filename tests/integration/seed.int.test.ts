import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { sealNow, verifyAuditLane } from "@/lib/audit";
import { AGENTS, DEFAULT_MATRIX, DEMO_USERS, ENVIRONMENTS } from "@/lib/seed/demo-fixtures";
import { ROLES } from "@/lib/auth/permissions";
import { SandboxStore, seedDemoData } from "@/lib/connectors/salesforce-sandbox";

describe("demo org seed", () => {
  beforeAll(async () => {
    await seedDemoOrg();
  });

  it("creates the fixtures DESIGN.md names", async () => {
    const envs = await db.environment.findMany({ select: { slug: true } });
    expect(envs.map((e) => e.slug).sort()).toEqual(ENVIRONMENTS.map((e) => e.slug).sort());
    // other test files add agents of their own: look at the demo ones
    const agents = await db.agent.findMany({
      where: { slug: { in: AGENTS.map((a) => a.slug) } },
      include: { environment: true },
    });
    expect(agents).toHaveLength(ENVIRONMENTS.length * AGENTS.length);
    const prod = Object.fromEntries(
      agents.filter((a) => a.environment.slug === "prod").map((a) => [a.slug, a.phase]),
    );
    expect(prod).toEqual({
      "lead-enrichment-bot": "execute",
      "lead-routing-bot": "execute",
      "pipeline-hygiene-bot": "execute",
      "quote-assistant": "propose",
    });
    const workflows = await db.workflow.findMany({ select: { key: true } });
    expect(workflows.map((w) => w.key).sort()).toEqual([
      "lead-enrichment",
      "lead-routing",
      "pipeline-hygiene",
      "quote-to-order",
    ]);
  });

  it("publishes the seed's matrix as the active version", async () => {
    const active = await db.policyMatrixVersion.findMany({
      where: { status: "active" },
      include: { rules: { include: { actionType: true } } },
    });
    expect(active).toHaveLength(1);
    const byKey = Object.fromEntries(active[0].rules.map((r) => [r.actionType.key, r]));
    expect(Object.keys(byKey).sort()).toEqual(DEFAULT_MATRIX.map((r) => r.actionType).sort());
    expect(byKey["lead.create"].mode).toBe("auto");
    expect(byKey["lead.enrich"].mode).toBe("auto");
    expect(byKey["lead.convert"]).toMatchObject({
      mode: "human_in_the_loop",
      approverRole: "revops_oncall",
    });
    expect(byKey["opportunity.create"]).toMatchObject({
      mode: "human_in_the_loop",
      approverRole: "sales_ops",
      loggingRequired: "record diff snapshot",
    });
    expect(byKey["opportunity.change_stage"].conditions).toEqual([
      expect.objectContaining({ name: "late-stage", approverRole: "deal_desk" }),
    ]);
    expect(byKey["opportunity.change_amount_or_close_date"]).toMatchObject({
      mode: "human_only",
      approverRole: "ae_manager",
      rollbackPlan: "revert + audit note",
    });
    expect(byKey["quote.create"]).toMatchObject({
      mode: "human_only",
      approverRole: "deal_desk",
      reversible: false,
    });
  });

  it("has one user per role, with hashed passwords", async () => {
    const users = await db.user.findMany({ include: { roles: true } });
    for (const role of ROLES)
      expect(
        users.some((u) => u.roles.some((r) => r.role === role)),
        role,
      ).toBe(true);
    // the demo's users (other files' users share the database; SSO users have no password)
    const demoEmails = new Set(DEMO_USERS.map((d) => d.email.toLowerCase()));
    const demo = users.filter((u) => demoEmails.has(u.email));
    expect(demo).toHaveLength(DEMO_USERS.length);
    for (const u of demo) {
      expect(u.passwordHash).toMatch(/^\$2[aby]\$11\$/);
      expect(DEMO_USERS.map((d) => d.password)).not.toContain(u.passwordHash);
    }
  });

  it("has a month of history across every state", async () => {
    const rows = await db.actionRequest.groupBy({ by: ["status"], _count: { _all: true } });
    const by = Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
    const total = Object.values(by).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(200);
    for (const s of [
      "succeeded",
      "pending_approval",
      "denied",
      "draft",
      "reverted",
      "failed",
      "dead_lettered",
      "observed",
    ]) {
      expect(by[s] ?? 0, s).toBeGreaterThan(0);
    }
    const oldest = await db.actionRequest.findFirst({ orderBy: { createdAt: "asc" } });
    expect(Date.now() - oldest!.createdAt.getTime()).toBeGreaterThan(25 * 86_400_000);
    expect(await db.approval.count()).toBeGreaterThan(20);
    expect(await db.reversal.count()).toBeGreaterThan(5);
    expect(await db.deadLetter.count()).toBeGreaterThan(0);
  });

  it("points only at records that exist in the sandbox's demo CRM", async () => {
    const store = new SandboxStore();
    seedDemoData(store, { now: new Date() });
    // the seeded history (its idempotency keys start with the action type), not other tests' requests
    const requests = await db.actionRequest.findMany({
      where: {
        recordId: { not: null },
        OR: DEFAULT_MATRIX.map((r) => ({ idempotencyKey: { startsWith: `${r.actionType}-` } })),
      },
      select: { object: true, recordId: true, before: true },
    });
    expect(requests.length).toBeGreaterThan(100);
    for (const r of requests) {
      const record = store.getById(r.object, r.recordId!);
      expect(record, `${r.object} ${r.recordId}`).toBeDefined();
    }
  });

  it("is idempotent", async () => {
    const before = await db.actionRequest.count();
    expect(await seedDemoOrg()).toEqual({ seeded: false, requests: 0 });
    expect(await db.actionRequest.count()).toBe(before);
  });

  it("writes hash-chained audit lanes that verify", async () => {
    // verification walks sealed events: seal what the seed wrote (no sealer runs in this file,
    // and alone it has no other file's sealing to lean on)
    await sealNow();
    for (const lane of ["config", "data", "execution"] as const) {
      const result = await verifyAuditLane(lane);
      expect(result.broken, lane).toBeNull();
      expect(result.checked, lane).toBeGreaterThan(5);
    }
  });
});
