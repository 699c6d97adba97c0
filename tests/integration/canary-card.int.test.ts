import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedAgent, seedUser } from "@/lib/seed/seed-helpers";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { rollupMetrics } from "@/lib/metrics";
import { rollbackFailedCanaries } from "@/lib/gates";
import { GET as canaryGET } from "@/app/api/internal/workflows/[id]/canary/route";
import { importVersion } from "./fixtures/scratch";

const ORIGIN = "http://localhost:3000";
const get = (id: string) =>
  canaryGET(
    new Request(`${ORIGIN}/api/internal/workflows/${id}/canary`, {
      headers: { host: "localhost:3000", origin: ORIGIN },
    }),
    { params: Promise.resolve({ id }) },
  );

/**
 * The workflow page's "Canary vs baseline" card (issue 14 item 4): its figures, read through the
 * route as a viewer, equal counts made here directly in SQL over the same seeded requests; after
 * an automatic rollback the card shows the rolled-back canary with the failed criterion.
 */
describe("canary card", () => {
  type TUser = { id: string; sid: string };
  let viewer: TUser;
  let envId: string;
  let ownerId: string;
  const agentIds: string[] = [];
  const workflowIds: string[] = [];

  beforeAll(async () => {
    await seedDemoOrg();
    envId = (await db.environment.findUniqueOrThrow({ where: { slug: "dev" } })).id;
    const u = await seedUser(db, { roles: ["viewer"] });
    viewer = { id: u.id, sid: await createUserSession(u.id, null) };
    ownerId = (await seedUser(db, { roles: ["ops_owner"] })).id;
  });

  afterAll(async () => {
    await db.actionRequest.deleteMany({ where: { agentId: { in: agentIds } } });
    await db.agent.deleteMany({ where: { id: { in: agentIds } } });
    await db.$transaction([
      db.$executeRaw`select set_config('tollgate.workflow_version_import', 'on', true)`,
      db.workflowVersion.deleteMany({ where: { workflowId: { in: workflowIds } } }),
    ]);
    await db.workflow.deleteMany({ where: { id: { in: workflowIds } } });
  });

  /** Counts made without the service: straight from the requests. */
  async function direct(versionId: string, since: Date) {
    const [r] = await db.$queryRaw<
      {
        requests: number;
        accounts: number;
        n: number;
        x: number;
        reverted: number;
        writes: number;
        failed: number;
      }[]
    >`
      select count(*)::int as requests, count(distinct "accountId")::int as accounts,
        count(*) filter (where stage and status::text in ('succeeded', 'reverted', 'failed', 'denied', 'dead_lettered', 'expired', 'discarded', 'halted'))::int as n,
        count(*) filter (where stage and status = 'succeeded')::int as x,
        count(*) filter (where status = 'reverted')::int as reverted,
        count(*) filter (where status in ('succeeded', 'reverted'))::int as writes,
        count(*) filter (where status = 'failed')::int as failed
      from (select r.*, exists (select 1 from "FieldChange" f where f."actionRequestId" = r.id
                                 and f.field = 'StageName') as stage
            from "ActionRequest" r
            where r."workflowVersionId" = ${versionId} and r."revertsId" is null
              and r."createdAt" >= ${since}) q`;
    return r;
  }

  it("shows each cohort's figures as a direct count has them, to a viewer", async () => {
    const a = await seedAgent(db, { environmentId: envId, ownerId, phase: "execute" });
    agentIds.push(a.id);
    const key = `wf-card-${prefixedId("w").slice(-6).toLowerCase()}`;
    const wf = await db.workflow.create({ data: { key, name: key, ownerId } });
    workflowIds.push(wf.id);
    const since = new Date(Date.now() - 3_600_000);
    const baseline = await importVersion({
      workflowId: wf.id,
      version: 1,
      status: "published",
      rolloutPercent: 100,
      publishedAt: new Date(since.getTime() - 86_400_000),
    });
    const canary = await importVersion({
      workflowId: wf.id,
      version: 2,
      status: "published",
      rolloutPercent: 25,
      publishedAt: since,
    });
    let i = 0;
    /** n requests under a version, spread over the hour, on `accounts` accounts */
    const make = async (
      versionId: string,
      status: ActionRequestStatus,
      n: number,
      o: { stage?: boolean; accounts?: number; before?: boolean } = {},
    ) => {
      for (let k = 0; k < n; k++) {
        i++;
        const executed = ["succeeded", "reverted", "failed"].includes(status);
        await db.actionRequest.create({
          data: {
            id: prefixedId("ar"),
            agentId: a.id,
            environmentId: a.environmentId,
            workflowVersionId: versionId,
            idempotencyKey: prefixedId("idem"),
            bodyHash: "0".repeat(64),
            object: "Opportunity",
            accountId: `001CARD${(k % (o.accounts ?? 3)).toString().padStart(8, "0")}`,
            status,
            createdAt: new Date(
              o.before ? since.getTime() - 60_000 : since.getTime() + 1_000 + (i % 3000) * 1_000,
            ),
            fieldChanges: o.stage
              ? { create: { field: "StageName", newValue: "Negotiation" } }
              : { create: { field: "Amount", newValue: "100" } },
            attemptsLog: executed
              ? {
                  create: {
                    attemptNumber: 1,
                    outcome: status === "failed" ? "failed" : "succeeded",
                  },
                }
              : undefined,
          },
        });
      }
    };
    // canary: 14 of 40 stage changes stand (+3 reverted, 4 failed), 2 pending, 5 amount edits
    await make(canary.id, "succeeded", 14, { stage: true, accounts: 7 });
    await make(canary.id, "reverted", 3, { stage: true });
    await make(canary.id, "failed", 4, { stage: true });
    await make(canary.id, "denied", 19, { stage: true, accounts: 5 });
    await make(canary.id, "pending_approval", 2, { stage: true });
    await make(canary.id, "succeeded", 5, { accounts: 2 });
    // baseline: 50 of 70 stand; and requests before the canary started, outside both cohorts
    await make(baseline.id, "succeeded", 50, { stage: true, accounts: 20 });
    await make(baseline.id, "denied", 18, { stage: true });
    await make(baseline.id, "failed", 2, { stage: true });
    await make(baseline.id, "succeeded", 9, { stage: true, before: true });
    while ((await rollupMetrics()) > 0);

    vi.mocked(getServerSession).mockResolvedValue({
      user: { id: viewer.id, sid: viewer.sid },
      expires: "",
    });
    const res = await get(wf.id);
    expect(res.status).toBe(200);
    const card = await res.json();
    expect(card.state).toBe("canary");
    const e = card.evaluation;
    for (const [side, versionId] of [
      ["canary", canary.id],
      ["baseline", baseline.id],
    ] as const) {
      const d = await direct(versionId, since);
      expect(e.sizes[side]).toEqual({ requests: d.requests, accounts: d.accounts });
      expect(e.cohorts[side]).toEqual({ n: d.n, x: d.x });
      expect(e.rates[side]).toMatchObject({
        reverted: d.reverted,
        writes: d.writes,
        exceptions: d.failed,
      });
      expect(e.rates[side].reversalRate).toBeCloseTo(d.reverted / d.writes, 12);
    }
    // and the figures themselves, so a direct count that went wrong the same way would show
    expect(e.sizes.canary).toEqual({ requests: 47, accounts: 7 });
    expect(e.cohorts.canary).toEqual({ n: 40, x: 14 });
    expect(e.cohorts.baseline).toEqual({ n: 70, x: 50 });
    const p1 = 14 / 40;
    const p2 = 50 / 70;
    const pooled = 64 / 110;
    expect(e.test.z).toBeCloseTo(
      (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / 40 + 1 / 70)),
      9,
    );
    expect(e.looks).toHaveLength(1);
    // the look stands where the canary's 30th stage change was made: no baseline request yet
    // (they were all created after the canary's), so it cannot judge
    expect(e.looks[0]).toMatchObject({ look: 1, n1: 30, x1: 14, n2: 0, judged: false });
    expect(e.checks[0].failed).toBeNull();
    expect(e.nextLook.n).toBe(60);
    expect(card.scheme).toMatchObject({ looks: [30, 60, 120, 240, 480, 960] });
    expect(card.lastEvaluatedAt).toBeNull();

    // the leader's automatic rollback: the card then shows that canary, and why
    expect(await rollbackFailedCanaries(new Date(), wf.id)).toBe(1);
    const after = await (await get(wf.id)).json();
    expect(after.state).toBe("rolled_back");
    expect(after.evaluation.canary.id).toBe(canary.id);
    // the rollback expired the 2 pending stage changes: decided now, they count
    expect(after.evaluation.cohorts.canary).toEqual({ n: 42, x: 14 });
    expect(await direct(canary.id, since)).toMatchObject({ n: 42, x: 14 });
    expect(after.rollback).toMatchObject({ by: "Tollgate", automatic: true });
    expect(after.rollback.failed.map((f: { key: string }) => f.key)).toEqual([
      "reversal",
      "exception",
    ]);
    expect(after.lastEvaluatedAt).not.toBeNull();
  });
});
