import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession (see audit-context.int)
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { ZodError } from "zod";
import { db } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { createUserSession } from "@/lib/auth/user-sessions";
import { clearPolicyCaches, policyConfig } from "@/lib/agent-api/policy-context";
import { evaluatePolicy } from "@/lib/policy";
import {
  createDraft,
  discardDraft,
  getMatrixVersion,
  publishDraft,
  rollbackTo,
  simulateDraft,
  updateDraftRule,
  type TRuleSettings,
} from "@/lib/matrix";
import { POST as createRoute } from "@/app/api/internal/policy-matrix/versions/route";
import { PUT as editRoute } from "@/app/api/internal/policy-matrix/versions/[id]/rules/[actionType]/route";
import { POST as publishRoute } from "@/app/api/internal/policy-matrix/versions/[id]/publish/route";
import { POST as rollbackRoute } from "@/app/api/internal/policy-matrix/versions/[id]/rollback/route";
import { useScratch } from "./fixtures/scratch";

const STAGE = "opportunity.change_stage";

const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://localhost:3000${path}`, {
    method,
    headers: {
      host: "localhost:3000",
      origin: "http://localhost:3000",
      "content-type": "application/json",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });

type TUser = { id: string; email: string };
async function signedIn(email: string): Promise<TUser> {
  const u = await db.user.findUniqueOrThrow({ where: { email } });
  return { id: u.id, email };
}
async function actAs(u: TUser) {
  const sid = await createUserSession(u.id, null);
  vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid }, expires: "" });
}

async function activeVersion() {
  return db.policyMatrixVersion.findFirstOrThrow({ where: { status: "active" } });
}
async function ruleOf(versionId: string, actionType = STAGE): Promise<TRuleSettings> {
  const detail = await getMatrixVersion(versionId);
  const r = detail.rules.find((x) => x.actionType === actionType)!;
  const { actionType: _a, actionName: _n, fields: _f, ...settings } = r;
  return settings;
}

/** The agent API's decision for a stage change, from its own 1 s config cache. */
async function decideStageChange(stage = "Qualification") {
  const config = await policyConfig();
  const actionType = config.actionTypes.get(STAGE)!;
  return evaluatePolicy({
    agent: { id: "a", slug: "bot", status: "active", phase: "execute", environmentId: "e" },
    request: {
      actionType: STAGE,
      object: "Opportunity",
      operation: "update",
      recordId: "006000000000001",
      changes: { StageName: stage },
      reason: { code: "MEETING_HELD" },
      evidence: [{ type: "call", ref: "gong:1" }],
    },
    current: { StageName: "Prospecting" },
    actionType,
    grants: [
      {
        id: "g",
        object: "Opportunity",
        operations: ["update"],
        writableFields: ["StageName"],
        recordCondition: null,
        validFrom: new Date(0),
        validUntil: null,
      },
    ],
    rule: config.rules.get(STAGE) ?? null,
    workflow: null,
    fieldOwnership: [],
    killSwitches: [],
    now: new Date(),
  });
}

describe("the matrix editor", () => {
  const s = useScratch();
  let ops: TUser, risk: TUser, admin: TUser, original: string;
  let startedAt = 0;

  beforeAll(async () => {
    [ops, risk, admin] = await Promise.all([
      signedIn("ops@tollgate.demo"),
      signedIn("risk@tollgate.demo"),
      signedIn("admin@tollgate.demo"),
    ]);
    original = (await activeVersion()).id;
    startedAt =
      (await db.policyMatrixVersion.aggregate({ _max: { version: true } }))._max.version ?? 0;
    // a draft another file left open would make createDraft refuse: start clean
    for (const d of await db.policyMatrixVersion.findMany({ where: { status: "draft" } }))
      await discardDraft(admin.id, d.id, { reason: "test start" });
  });

  // a failed test leaves no draft open for the next
  afterEach(async () => {
    for (const d of await db.policyMatrixVersion.findMany({ where: { status: "draft" } }))
      await discardDraft(admin.id, d.id, { reason: "test cleanup" });
  });

  afterAll(async () => {
    // later files see the demo org as seeded (services.int reads version 1): this file's versions
    // go (their rules with them; the audit events stay, pointing at ids) and the original is
    // active again — test clean-up only, the service never deletes or reactivates a version
    await db.$transaction([
      db.policyMatrixVersion.deleteMany({ where: { version: { gt: startedAt } } }),
      db.policyMatrixVersion.update({
        where: { id: original },
        data: { status: "active", supersededAt: null },
      }),
    ]);
    clearPolicyCaches();
  });

  it("refuses an invalid condition with its position in the text, through the route and the service; nothing changes", async () => {
    const draft = await createDraft(ops.id, {});
    const before = await ruleOf(draft.id);
    const bad: TRuleSettings = {
      ...before,
      conditions: [
        { name: "big", when: "Amount >= 100000 and (StageName = 'x'", requiredApprovals: 2 },
      ],
    };
    await actAs(ops);
    const res = await editRoute(
      send("PUT", `/api/internal/policy-matrix/versions/${draft.id}/rules/${STAGE}`, bad),
      params({ id: draft.id, actionType: STAGE }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as { errors: { path: string; message: string }[] };
    const err = problem.errors.find((e) => e.path === "conditions.0.when");
    // the unclosed parenthesis: found at the end of the text
    const when = bad.conditions[0].when;
    expect(err?.message).toBe(
      `Invalid condition at column ${when.length + 1}: expected ")" but found the end of the condition`,
    );
    await expect(updateDraftRule(ops.id, draft.id, STAGE, bad)).rejects.toBeInstanceOf(ZodError);
    expect(await ruleOf(draft.id)).toEqual(before);

    // a group that does not exist: refused by path, nothing written
    const res2 = await editRoute(
      send("PUT", `/x`, { ...before, approverRole: "nobody_group" }),
      params({ id: draft.id, actionType: STAGE }),
    );
    expect(res2.status).toBe(400);
    expect(JSON.stringify(await res2.json())).toContain("approverRole");
    expect(await ruleOf(draft.id)).toEqual(before);

    // hostile bodies: nested 2,000 deep, and not JSON
    const deep = "[".repeat(2000) + "]".repeat(2000);
    const res3 = await editRoute(
      send("PUT", "/x", deep),
      params({ id: draft.id, actionType: STAGE }),
    );
    expect(res3.status).toBe(400);
    await discardDraft(ops.id, draft.id, { reason: "done" });
  });

  it("allows one open draft at a time, also when two are asked for at once", async () => {
    const results = await Promise.allSettled([createDraft(ops.id, {}), createDraft(admin.id, {})]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: "draft_exists" });
    await actAs(ops);
    const res = await createRoute(send("POST", "/x", {}), params({}));
    expect(res.status).toBe(409);
    const open = await db.policyMatrixVersion.findFirstOrThrow({ where: { status: "draft" } });
    await discardDraft(ops.id, open.id, { reason: "done" });
  });

  it("never lets an author publish their draft (service and route); a risk owner may", async () => {
    const draft = await createDraft(ops.id, {});
    const rule = await ruleOf(draft.id);
    await updateDraftRule(admin.id, draft.id, STAGE, { ...rule, slaMinutes: 120 });
    // the creator, and an admin who edited it
    await expect(publishDraft(ops.id, draft.id, { reason: "mine" })).rejects.toMatchObject({
      code: "separation_of_duties",
    });
    await actAs(admin);
    const res = await publishRoute(
      send("POST", "/x", { reason: "I edited it" }),
      params({ id: draft.id }),
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("separation_of_duties");
    // an ops owner lacks policy:publish altogether
    await actAs(ops);
    const res2 = await publishRoute(
      send("POST", "/x", { reason: "mine" }),
      params({ id: draft.id }),
    );
    expect(res2.status).toBe(403);
    // from another site: refused before the session is read
    await actAs(risk);
    const res3 = await publishRoute(
      send("POST", "/x", { reason: "csrf" }, { origin: "http://evil.example" }),
      params({ id: draft.id }),
    );
    expect(res3.status).toBe(403);
    expect(((await res3.json()) as { code: string }).code).toBe("cross_site_request");
    expect(
      (await db.policyMatrixVersion.findUniqueOrThrow({ where: { id: draft.id } })).status,
    ).toBe("draft");

    const ok = await publishRoute(
      send("POST", "/x", { reason: "shorter SLA agreed" }),
      params({ id: draft.id }),
    );
    expect(ok.status).toBe(200);
    const published = await db.policyMatrixVersion.findUniqueOrThrow({ where: { id: draft.id } });
    expect(published).toMatchObject({ status: "active", publishedById: risk.id });
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "policy_matrix.published", subjectId: draft.id },
    });
    expect(event).toMatchObject({
      lane: "config",
      actorUserId: risk.id,
      reasonText: "shorter SLA agreed",
    });
    expect(JSON.stringify(event.payload)).toContain("240 min");
  });

  it("refuses edits to a published or superseded version, through the service and the route", async () => {
    const active = await activeVersion();
    const rule = await ruleOf(active.id);
    await expect(
      updateDraftRule(ops.id, active.id, STAGE, { ...rule, requiredApprovals: 3 }),
    ).rejects.toMatchObject({ code: "version_immutable" });
    await actAs(ops);
    const res = await editRoute(
      send("PUT", "/x", { ...rule, requiredApprovals: 3 }),
      params({ id: original, actionType: STAGE }),
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe("version_immutable");
    expect((await ruleOf(original)).requiredApprovals).toBe(1);
  });

  it("a publisher who read the draft before someone edited it is refused (409)", async () => {
    const draft = await createDraft(ops.id, {});
    const read = await getMatrixVersion(draft.id);
    const rule = await ruleOf(draft.id);
    await updateDraftRule(ops.id, draft.id, STAGE, { ...rule, requiredApprovals: 3 });
    await expect(
      publishDraft(risk.id, draft.id, {
        reason: "what I saw",
        draftUpdatedAt: read.version.updatedAt.toISOString(),
        expectedActiveVersion: read.active?.version,
      }),
    ).rejects.toMatchObject({ code: "state_changed" });
    const again = await getMatrixVersion(draft.id);
    await expect(
      publishDraft(risk.id, draft.id, {
        reason: "what I saw",
        draftUpdatedAt: again.version.updatedAt.toISOString(),
        expectedActiveVersion: (again.active?.version ?? 0) + 100,
      }),
    ).rejects.toMatchObject({ code: "state_changed" });
    expect(
      (await db.policyMatrixVersion.findUniqueOrThrow({ where: { id: draft.id } })).status,
    ).toBe("draft");
  });

  it("two concurrent publishes: exactly one wins, the other gets 409", async () => {
    const draft = await createDraft(ops.id, {});
    const rule = await ruleOf(draft.id);
    await updateDraftRule(ops.id, draft.id, STAGE, { ...rule, requiredApprovals: 2 });
    const results = await Promise.allSettled([
      publishDraft(risk.id, draft.id, { reason: "two approvals" }),
      publishDraft(admin.id, draft.id, { reason: "two approvals" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: "state_changed" });
    expect(await db.policyMatrixVersion.count({ where: { status: "active" } })).toBe(1);
    expect((await activeVersion()).id).toBe(draft.id);
    expect(
      await db.auditEvent.count({
        where: { action: "policy_matrix.published", subjectId: draft.id },
      }),
    ).toBe(1);
  });

  it("an edit racing a publish: the one that locks second is refused (the draft is no longer one)", async () => {
    const draft = await createDraft(ops.id, {});
    const rule = await ruleOf(draft.id);
    const [edit, publish] = await Promise.allSettled([
      updateDraftRule(ops.id, draft.id, STAGE, { ...rule, slaMinutes: 30 }),
      publishDraft(risk.id, draft.id, { reason: "race" }),
    ]);
    const status = (await db.policyMatrixVersion.findUniqueOrThrow({ where: { id: draft.id } }))
      .status;
    expect(status).toBe(publish.status === "fulfilled" ? "active" : "draft");
    if (edit.status === "rejected")
      expect(edit.reason).toMatchObject({ code: "version_immutable" });
    // whatever won, what is active is what was audited: an edit never lands after publishing
    const stored = await ruleOf(draft.id);
    const edited = await db.auditEvent.count({
      where: { action: "policy_matrix.rule_edited", subjectId: draft.id },
    });
    expect(stored.slaMinutes === 30).toBe(edited === 1);
    if (status === "draft") await discardDraft(ops.id, draft.id, { reason: "done" });
  });

  it("a rollback restores the old decisions, needs a second person, and is audited", async () => {
    const before = await decideStageChange();
    expect(before.requiredApprovals).toBe(2);
    // the ops owner authored version 1 … and may not roll back at all (policy:publish)
    await actAs(ops);
    const res = await rollbackRoute(
      send("POST", "/x", { reason: "back" }),
      params({ id: original }),
    );
    expect(res.status).toBe(403);
    // an admin who authored the target may not roll back to it
    const authored = await db.policyMatrixVersion.findFirstOrThrow({
      where: { status: "superseded", editorIds: { has: admin.id } },
    });
    await expect(rollbackTo(admin.id, authored.id, { reason: "mine" })).rejects.toMatchObject({
      code: "separation_of_duties",
    });
    // no reason: refused, nothing changes
    await actAs(risk);
    const noReason = await rollbackRoute(send("POST", "/x", {}), params({ id: original }));
    expect(noReason.status).toBe(400);
    expect((await decideStageChange()).requiredApprovals).toBe(2);

    const ok = await rollbackRoute(
      send("POST", "/x", { reason: "two approvals slowed the desk" }),
      params({ id: original }),
    );
    expect(ok.status).toBe(200);
    const { version } = (await ok.json()) as { version: { id: string; rolledBackTo: number } };
    expect(version.rolledBackTo).toBe(1);
    const after = await decideStageChange();
    expect(after.requiredApprovals).toBe(1);
    expect(after.outcome).toBe("pending_approval");
    const late = await decideStageChange("Negotiation/Review");
    expect(late.approverRole).toBe("deal_desk");
    expect(await ruleOf(version.id)).toEqual(await ruleOf(original));
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "policy_matrix.rolled_back", subjectId: version.id },
    });
    expect(event).toMatchObject({ lane: "config", actorUserId: risk.id });
    // rolling back to the active version is refused
    await expect(rollbackTo(admin.id, version.id, { reason: "again" })).rejects.toMatchObject({
      code: "state_changed",
    });
  });

  it("the simulation's counts equal an independent count of seeded requests", async () => {
    // a window no other file writes to: 30 days before a fixed instant
    const now = new Date("2097-03-14T12:00:00Z");
    const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000);
    const agent = await s.agent("prod");
    const types = Object.fromEntries(
      (await db.actionType.findMany()).map((a) => [a.key, a.id]),
    ) as Record<string, string>;
    const made: Record<string, string[]> = {};
    async function request(
      tag: string,
      actionType: string,
      createdAt: Date,
      changes: Record<string, unknown>,
      extra: { before?: Record<string, unknown>; evidence?: boolean; refusalCode?: string } = {},
    ) {
      const id = prefixedId("ar");
      await db.actionRequest.create({
        data: {
          id,
          agentId: agent.id,
          environmentId: agent.environmentId,
          actionTypeId: types[actionType],
          idempotencyKey: prefixedId("idem"),
          bodyHash: "0".repeat(64),
          object: actionType.startsWith("lead") ? "Lead" : "Opportunity",
          recordId: "006SIM" + id.slice(-9),
          status: extra.refusalCode ? "denied" : "pending_approval",
          refusalCode: extra.refusalCode ?? null,
          reasonCode: "SIM",
          evidence: extra.evidence === false ? [] : [{ type: "call", ref: "gong:sim" }],
          before: (extra.before ?? {}) as Record<string, string | number>,
          createdAt,
          fieldChanges: {
            create: Object.entries(changes).map(([field, v]) => ({ field, newValue: v as never })),
          },
        },
      });
      (made[tag] ??= []).push(id);
    }
    for (let i = 0; i < 4; i++)
      await request(
        "early-stage",
        STAGE,
        at(1 + i),
        { StageName: "Qualification" },
        { before: { StageName: "Prospecting" } },
      );
    for (let i = 0; i < 2; i++)
      await request("late-stage", STAGE, at(10 + i), { StageName: "Negotiation/Review" });
    // refused for evidence then, refused for evidence still: unchanged
    await request(
      "no-evidence",
      STAGE,
      at(3),
      { StageName: "Qualification" },
      { evidence: false, refusalCode: "evidence_required" },
    );
    // refused by scope: no matrix changes that, not replayed
    await request(
      "scope",
      STAGE,
      at(3),
      { StageName: "Qualification" },
      { refusalCode: "scope_denied" },
    );
    // outside the window
    await request("old", STAGE, at(31), { StageName: "Qualification" });
    // an action type the draft leaves alone
    await request(
      "amount",
      "opportunity.change_amount_or_close_date",
      at(2),
      { Amount: 5 },
      { before: { Amount: 4 } },
    );
    for (let i = 0; i < 3; i++) await request("enrich", "lead.enrich", at(5 + i), { Title: "CTO" });

    const draft = await createDraft(ops.id, {});
    const stage = await ruleOf(draft.id);
    await updateDraftRule(ops.id, draft.id, STAGE, { ...stage, requiredApprovals: 2 });
    const enrich = await ruleOf(draft.id, "lead.enrich");
    await updateDraftRule(ops.id, draft.id, "lead.enrich", {
      ...enrich,
      mode: "human_in_the_loop",
      approverRole: "sales_ops",
      requiredApprovals: 1,
    });

    const sim = await simulateDraft(draft.id, { now, examples: 10 });
    // independently: every stage change in the window that the matrix let through (6) needs one
    // more approval; each enrichment (3) goes from auto to approval; the refusal stays one
    const independent = {
      replayed:
        made["early-stage"].length +
        made["late-stage"].length +
        made["no-evidence"].length +
        made.enrich.length,
      changes: {
        "approvals 1 → 2": [...made["early-stage"], ...made["late-stage"]].sort(),
        "auto → approval": [...made.enrich].sort(),
      },
    };
    expect(sim.replayed).toBe(independent.replayed);
    expect(sim.changed).toBe(9);
    expect(
      Object.fromEntries(sim.changes.map((c) => [c.change, c.examples.map((e) => e.id).sort()])),
    ).toEqual(independent.changes);
    expect(sim.changes.map((c) => c.count)).toEqual([6, 3]);
    expect(sim.actionTypes.sort()).toEqual(["lead.enrich", STAGE]);
    await discardDraft(ops.id, draft.id, { reason: "done" });
  });
});
