import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession (see audit-context.int)
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import crypto from "node:crypto";
import { getServerSession } from "next-auth";
import { ZodError } from "zod";
import { db } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { createUserSession } from "@/lib/auth/user-sessions";
import { clearPolicyCaches, policyConfig } from "@/lib/agent-api/policy-context";
import {
  createDraftVersion,
  editDraftVersion,
  getWorkflow,
  pickWorkflowVersion,
  promoteCanary,
  publishCanary,
  rollbackCanary,
  rolloutBucket,
} from "@/lib/workflows";
import { POST as createRoute } from "@/app/api/internal/workflows/[id]/versions/route";
import { PATCH as editRoute } from "@/app/api/internal/workflows/[id]/versions/[versionId]/route";
import { POST as promoteRoute } from "@/app/api/internal/workflows/[id]/versions/[versionId]/promote/route";
import { importVersion, useScratch } from "./fixtures/scratch";
import { SWEEP_WINDOW_MS, sweepRolledBackCanaries } from "@/lib/workflows";
import { JOB_HANDLERS } from "@/lib/jobs/handlers";

const send = (method: string, path: string, body: unknown) =>
  new Request(`http://localhost:3000${path}`, {
    method,
    headers: {
      host: "localhost:3000",
      origin: "http://localhost:3000",
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });

async function actAs(email: string) {
  const u = await db.user.findUniqueOrThrow({ where: { email } });
  const sid = await createUserSession(u.id, null);
  vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid }, expires: "" });
  return u.id;
}

const WEEKDAYS = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", tz: "Europe/Paris" };

/** The version the agent API would pick for an account, from its own 1 s configuration cache. */
async function routed(key: string, account: string) {
  const wf = (await policyConfig()).workflows.get(key)!;
  return pickWorkflowVersion(wf.versions, rolloutBucket(key, account))?.version ?? null;
}
/** Accounts whose bucket falls below `percent` for this workflow, and one that does not. */
function accounts(key: string, percent: number) {
  const inside: string[] = [];
  let outside = "";
  for (let i = 0; inside.length < 3 || !outside; i++) {
    const id = `001E2E${String(i).padStart(9, "0")}`;
    if (rolloutBucket(key, id) < percent) inside.push(id);
    else outside ||= id;
  }
  return { inside, outside };
}

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    if (err instanceof ZodError) return "zod";
    return (err as Error).message;
  }
  return "resolved";
}

describe("workflow versions in the console", () => {
  const s = useScratch();
  let rollbackBy: "system" | "user" = "system";
  let ops = "";
  let wf: { id: string; key: string };
  let v1 = "";
  const startedAt = new Date();

  beforeAll(async () => {
    ops = (await db.user.findUniqueOrThrow({ where: { email: "ops@tollgate.demo" } })).id;
    const key = `wf-console-${crypto.randomBytes(3).toString("hex")}`;
    wf = await db.workflow.create({ data: { key, name: "Console test", ownerId: ops } });
    v1 = (
      await importVersion({
        workflowId: wf.id,
        version: 1,
        status: "published",
        rolloutPercent: 100,
        actionTypes: ["opportunity.change_stage"],
        changeWindows: [WEEKDAYS],
        publishedAt: new Date(),
        publishedById: ops,
      })
    ).id;
    clearPolicyCaches();
  });

  afterAll(async () => {
    await db.$transaction([
      db.$executeRaw`select set_config('tollgate.workflow_version_import', 'on', true)`,
      db.workflowVersion.deleteMany({ where: { workflowId: wf.id } }),
    ]);
    await db.workflow.delete({ where: { id: wf.id } });
  });

  it("refuses an edit of a published version, in the service, the route and the database", async () => {
    expect(await codeOf(editDraftVersion(ops, v1, { notes: "x" }))).toBe("version_immutable");
    await actAs("ops@tollgate.demo");
    const res = await editRoute(
      send("PATCH", `/api/internal/workflows/${wf.id}/versions/${v1}`, { notes: "x" }),
      params({ id: wf.id, versionId: v1 }),
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe("version_immutable");

    // every other door: Prisma, raw SQL — the trigger refuses content, status and rollout changes
    await expect(
      db.workflowVersion.update({ where: { id: v1 }, data: { actionTypes: ["lead.create"] } }),
    ).rejects.toThrow(/immutable/);
    await expect(
      db.$executeRaw`update "WorkflowVersion" set "changeWindows" = '[]' where id = ${v1}`,
    ).rejects.toThrow(/immutable/);
    await expect(
      db.$executeRaw`update "WorkflowVersion" set definition = '{"x":1}' where id = ${v1}`,
    ).rejects.toThrow(/immutable/);
    await expect(
      db.$executeRaw`update "WorkflowVersion" set "rolloutPercent" = 50 where id = ${v1}`,
    ).rejects.toThrow(/rollout cannot go from 100 to 50/);
    await expect(
      db.$executeRaw`update "WorkflowVersion" set status = 'draft' where id = ${v1}`,
    ).rejects.toThrow(/cannot go from published to draft/);
    await expect(
      db.$executeRaw`update "WorkflowVersion" set "createdById" = ${ops} where id = ${v1}`,
    ).rejects.toThrow(/who drafted it and when do not change/);
    // nor by deleting it and inserting another in its place
    await expect(db.workflowVersion.delete({ where: { id: v1 } })).rejects.toThrow(
      /only a draft is deleted/,
    );
    await expect(
      db.workflowVersion.create({
        data: { workflowId: wf.id, version: 99, status: "published", rolloutPercent: 100 },
      }),
    ).rejects.toThrow(/starts as a draft/);
    // a draft beside the baseline publishes as a canary, never straight to 100%
    const [{ id: d }] = await db.$queryRaw<{ id: string }[]>`
      insert into "WorkflowVersion" (id, "workflowId", version, status, "rolloutPercent", "actionTypes")
      values (${`wv-${wf.key}-door`}, ${wf.id}, 98, 'draft', 0, '{opportunity.change_stage}')
      returning id`;
    await expect(
      db.$executeRaw`update "WorkflowVersion" set status = 'published', "rolloutPercent" = 100 where id = ${d}`,
    ).rejects.toThrow(/publishes as a canary/);
    await db.workflowVersion.delete({ where: { id: d } }); // a draft may go
    const after = await db.workflowVersion.findUniqueOrThrow({ where: { id: v1 } });
    expect(after.actionTypes).toEqual(["opportunity.change_stage"]);
    expect(after.changeWindows).toEqual([WEEKDAYS]);
  });

  it("refuses an invalid change window with a clear message and changes nothing", async () => {
    await actAs("ops@tollgate.demo");
    const bad = async (window: object, message: RegExp) => {
      const res = await createRoute(
        send("POST", `/api/internal/workflows/${wf.id}/versions`, {
          changeWindows: [window],
          reason: "test",
        }),
        params({ id: wf.id }),
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(message);
    };
    await bad({ ...WEEKDAYS, tz: "Europe/Atlantis" }, /not a time zone this server knows/);
    await bad({ ...WEEKDAYS, start: "17:00", end: "09:00" }, /End \(09:00\) must be after start/);
    await bad({ ...WEEKDAYS, end: "09:00" }, /must be after start/);
    expect(await db.workflowVersion.count({ where: { workflowId: wf.id } })).toBe(1);
  });

  it("asks for a reason when a new version lets agents do more", async () => {
    expect(
      await codeOf(
        createDraftVersion(ops, wf.id, {
          actionTypes: ["opportunity.change_stage", "opportunity.create"],
        }),
      ),
    ).toBe("reason_required");
    expect(
      await codeOf(
        createDraftVersion(ops, wf.id, { changeWindows: [{ ...WEEKDAYS, end: "18:00" }] }),
      ),
    ).toBe("reason_required");
    expect(await codeOf(createDraftVersion(ops, wf.id, { changeWindows: [] }))).toBe(
      "reason_required",
    );
    expect(
      await codeOf(createDraftVersion(ops, wf.id, { actionTypes: ["nope.nope"], reason: "x" })),
    ).toBe("invalid_body");
    expect(await db.workflowVersion.count({ where: { workflowId: wf.id } })).toBe(1);
  });

  let v2 = "";
  it("drafts, edits and publishes a version as a 5% canary; a second canary waits", async () => {
    // narrower windows: no reason needed
    const draft = await createDraftVersion(ops, wf.id, {
      changeWindows: [{ ...WEEKDAYS, end: "16:00" }],
      notes: "shorter day",
    });
    v2 = draft.id;
    expect(draft.version).toBe(2);
    expect(await codeOf(createDraftVersion(ops, wf.id, {}))).toBe("draft_exists");
    await editDraftVersion(ops, v2, {
      actionTypes: ["opportunity.change_stage", "opportunity.create"],
      reason: "the bot may create opportunities from meetings",
    });
    const published = await publishCanary(ops, v2, { reason: "try it on 5%" });
    expect(published.rolloutPercent).toBe(5);
    // now immutable like any published version
    expect(await codeOf(editDraftVersion(ops, v2, { notes: "late" }))).toBe("version_immutable");

    const d3 = await createDraftVersion(ops, wf.id, { notes: "next" });
    expect(await codeOf(publishCanary(ops, d3.id, { reason: "too soon" }))).toBe(
      "canary_in_progress",
    );
    await db.workflowVersion.delete({ where: { id: d3.id } });

    const { inside, outside } = accounts(wf.key, 5);
    for (const a of inside) expect(await routed(wf.key, a)).toBe(2);
    expect(await routed(wf.key, outside)).toBe(1);
  });

  it("lets one of two concurrent promotions win", async () => {
    await actAs("ops@tollgate.demo");
    const promote = () =>
      promoteRoute(
        send("POST", `/api/internal/workflows/${wf.id}/versions/${v2}/promote`, {
          from: 5,
          reason: "looks fine",
        }),
        params({ id: wf.id, versionId: v2 }),
      );
    const [a, b] = await Promise.all([promote(), promote()]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(((await loser.json()) as { code: string }).code).toBe("state_changed");
    const row = await db.workflowVersion.findUniqueOrThrow({ where: { id: v2 } });
    expect(row.rolloutPercent).toBe(25);
    // to 100% (the whole book on v2): not by the person who drafted it, at either door
    const byAuthor = await promoteRoute(
      send("POST", `/api/internal/workflows/${wf.id}/versions/${v2}/promote`, {
        from: 25,
        reason: "all in",
      }),
      params({ id: wf.id, versionId: v2 }),
    );
    expect(byAuthor.status).toBe(403);
    expect(await byAuthor.json()).toMatchObject({
      code: "separation_of_duties",
      detail: expect.stringContaining("another ops owner or admin"),
    });
    expect(await codeOf(promoteCanary(ops, v2, { from: 25, reason: "all in" }))).toBe(
      "separation_of_duties",
    );
    expect(await db.workflowVersion.findUniqueOrThrow({ where: { id: v2 } })).toMatchObject({
      status: "published",
      rolloutPercent: 25,
    });
    expect((await db.workflowVersion.findUniqueOrThrow({ where: { id: v1 } })).status).toBe(
      "published",
    );
    expect(
      await db.auditEvent.count({
        where: { subjectId: v2, action: "workflow_version.promoted", actorUserId: ops },
      }),
    ).toBe(1);
    // a second person may; of two at once (straight at the service) one wins
    const admin = (await db.user.findUniqueOrThrow({ where: { email: "admin@tollgate.demo" } })).id;
    const results = await Promise.allSettled([
      promoteCanary(admin, v2, { from: 25, reason: "all in" }),
      promoteCanary(admin, v2, { from: 25, reason: "all in" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    // at 100 the previous baseline is retired
    expect((await db.workflowVersion.findUniqueOrThrow({ where: { id: v1 } })).status).toBe(
      "retired",
    );
    const { outside } = accounts(wf.key, 5);
    expect(await routed(wf.key, outside)).toBe(2);
  });

  it("rolls a canary back: its accounts return to the baseline", async () => {
    const d = await createDraftVersion(ops, wf.id, { notes: "v3" });
    await publishCanary(ops, d.id, { reason: "canary" });
    await promoteCanary(ops, d.id, { from: 5, reason: "wider" });
    const { inside } = accounts(wf.key, 25);
    for (const a of inside) expect(await routed(wf.key, a)).toBe(3);
    // two canaries at once, whichever door: the database keeps one
    await expect(
      db.$transaction([
        db.$executeRaw`select set_config('tollgate.workflow_version_import', 'on', true)`,
        db.workflowVersion.create({
          data: { workflowId: wf.id, version: 97, status: "published", rolloutPercent: 5 },
        }),
      ]),
    ).rejects.toThrow(/Unique constraint failed/);
    // work under the canary: what waits to be written is halted, what waits for a person expires,
    // a write under way is left to finish
    const agent = await s.agent("prod");
    const work = {
      approved: await s.request(agent, "approved", d.id),
      auto: await s.request(agent, "auto_approved", d.id),
      pending: await s.request(agent, "pending_approval", d.id),
      draft: await s.request(agent, "draft", d.id),
      executing: await s.request(agent, "executing", d.id),
      baseline: await s.request(agent, "approved", v2),
    };
    // a baseline is not a canary
    expect(
      await codeOf(rollbackCanary(v2, { type: "user", userId: ops }, "baseline is fine")),
    ).toBe("not_a_canary");
    const [first, second] = await Promise.allSettled([
      rollbackCanary(d.id, { type: "system" }, "error rate above the canary criteria"),
      rollbackCanary(d.id, { type: "user", userId: ops }, "me too"),
    ]);
    expect([first.status, second.status].sort()).toEqual(["fulfilled", "rejected"]);
    // which of the two wins is up to the database: the audit test below checks the winner
    rollbackBy = first.status === "fulfilled" ? "system" : "user";
    for (const a of inside) expect(await routed(wf.key, a)).toBe(2);
    const statusOf = async (id: string) =>
      (await db.actionRequest.findUniqueOrThrow({ where: { id } })).status;
    expect({
      approved: await statusOf(work.approved.id),
      auto: await statusOf(work.auto.id),
      pending: await statusOf(work.pending.id),
      draft: await statusOf(work.draft.id),
      executing: await statusOf(work.executing.id),
      baseline: await statusOf(work.baseline.id),
    }).toEqual({
      approved: "halted",
      auto: "halted",
      pending: "expired",
      draft: "expired",
      executing: "executing",
      baseline: "approved",
    });
    const won =
      first.status === "fulfilled"
        ? first.value
        : (second as PromiseFulfilledResult<Awaited<ReturnType<typeof rollbackCanary>>>).value;
    expect([won.halted, won.expired]).toEqual([2, 2]);
    const halt = await db.auditEvent.findFirstOrThrow({
      where: { action: "action_request.halted", subjectId: work.approved.id },
    });
    expect(halt.reasonText).toMatch(/Canary version 3 .* rolled back/);
    const detail = await getWorkflow(wf.id);
    expect(detail.versions.map((v) => [v.version, v.status, v.rolloutPercent])).toEqual([
      [3, "retired", 25],
      [2, "published", 100],
      [1, "retired", 100],
    ]);
    expect(detail.versions[1].publishedBy).toBe(
      (await db.user.findUniqueOrThrow({ where: { id: ops } })).name,
    );
  });

  it("stops, in the sweep job, a request routed to the canary just after its rollback", async () => {
    // the rollback above committed and returned without waiting out the configuration cache's
    // second: an instance whose cache still held version 3 takes these requests on it
    const v3 = await db.workflowVersion.findUniqueOrThrow({
      where: { workflowId_version: { workflowId: wf.id, version: 3 } },
    });
    expect(v3).toMatchObject({ status: "retired", rolloutPercent: 25 });
    const agent = await s.agent("prod");
    const late = {
      approved: await s.request(agent, "approved", v3.id),
      pending: await s.request(agent, "pending_approval", v3.id),
      // version 1 was retired by a promotion to 100 %: not a rolled-back canary, its work stays
      replaced: await s.request(agent, "approved", v1),
    };
    // past the sweep's window (a job that only looks later) nothing is touched
    await sweepRolledBackCanaries(new Date(Date.now() + SWEEP_WINDOW_MS + 60_000));
    const statusOf = async (id: string) =>
      (await db.actionRequest.findUniqueOrThrow({ where: { id } })).status;
    expect(await statusOf(late.approved.id)).toBe("approved");
    // the registered job's step, as a worker runs it (other files' canaries may be swept too)
    expect(
      await JOB_HANDLERS.sweepRolledBackCanaries({}, { workerId: "t", log: () => {} }),
    ).toBeGreaterThanOrEqual(2);
    expect({
      approved: await statusOf(late.approved.id),
      pending: await statusOf(late.pending.id),
      replaced: await statusOf(late.replaced.id),
    }).toEqual({ approved: "halted", pending: "expired", replaced: "approved" });
    const halt = await db.auditEvent.findFirstOrThrow({
      where: { action: "action_request.halted", subjectId: late.approved.id },
    });
    // by the rollback's own actor, with its reason
    expect(halt.actorType).toBe(rollbackBy);
    expect(halt.reasonText).toMatch(/Canary version 3 .* rolled back/);
    // a second step finds nothing left of this canary
    await sweepRolledBackCanaries();
    expect(await statusOf(late.approved.id)).toBe("halted");
    await db.actionRequest.deleteMany({
      where: { id: { in: Object.values(late).map((r) => r.id) } },
    });
  });

  it("wrote every step to the config lane with who and why", async () => {
    const events = await db.auditEvent.findMany({
      where: { action: { startsWith: "workflow_version." }, createdAt: { gte: startedAt } },
      orderBy: { id: "asc" },
    });
    const mine = events.filter((e) => (e.source as { workflow?: string })?.workflow === wf.key);
    expect(mine.map((e) => e.action)).toEqual([
      "workflow_version.draft_created",
      "workflow_version.draft_edited",
      "workflow_version.published",
      "workflow_version.draft_created",
      "workflow_version.promoted",
      "workflow_version.promoted",
      "workflow_version.draft_created",
      "workflow_version.published",
      "workflow_version.promoted",
      "workflow_version.rolled_back",
    ]);
    expect(mine.every((e) => e.lane === "config")).toBe(true);
    const edited = mine[1];
    expect(edited.reasonText).toBe("the bot may create opportunities from meetings");
    expect(edited.actorUserId).toBe(ops);
    expect(edited.payload).toMatchObject({ widens: ["adds action types opportunity.create"] });
    const rolledBack = mine[mine.length - 1];
    expect(rolledBack.actorType).toBe(rollbackBy);
    expect(rolledBack.payload).toMatchObject({ version: 3, baseline: 2, halted: 2, expired: 2 });
  });
});
