import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { hashPassword } from "@/lib/auth/password";
import { actOnDraft, bulkDecide, decideActionRequest } from "@/lib/approvals";
import { prefixedId } from "@/lib/core/ids";
import type { TCurrentUser } from "@/lib/auth";

/** Deciding a pending request: one decision under concurrent clicks, N approvals, separation of duties. */

/** `n` new people in an approver group, under unique emails (roles are the caller's to grant). */
async function newGroupMembers(groupKey: string, n: number, name: string) {
  const group = await db.approverGroup.findUniqueOrThrow({ where: { key: groupKey } });
  const stamp = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const hash = await hashPassword("not-used");
  await db.user.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      email: `${groupKey}-${stamp}-${i}@tollgate.test`,
      name: `${name} ${i}`,
      passwordHash: hash,
    })),
  });
  const users = await db.user.findMany({
    where: { email: { startsWith: `${groupKey}-${stamp}-` } },
  });
  await db.approverGroupMember.createMany({
    data: users.map((u) => ({ groupId: group.id, userId: u.id })),
  });
  return users;
}
describe("approval decisions", () => {
  let agentId: string;
  let envId: string;
  let approvers: TCurrentUser[] = [];

  const withApprovals = (id: string) =>
    db.actionRequest.findUniqueOrThrow({ where: { id }, include: { approvals: true } });
  const pending = async (
    opts: {
      approverRole?: string;
      requiredApprovals?: number;
      rule?: string;
      actionType?: string;
      status?: "pending_approval" | "draft";
      mode?: "human_in_the_loop" | "human_only";
    } = {},
  ) => {
    const at = await db.actionType.findUniqueOrThrow({
      where: { key: opts.actionType ?? "opportunity.change_stage" },
    });
    const id = prefixedId("ar");
    await db.actionRequest.create({
      data: {
        id,
        agentId,
        environmentId: envId,
        actionTypeId: at.id,
        idempotencyKey: `appr-${id}`,
        bodyHash: id,
        object: "Opportunity",
        recordId: "0068d0000000001AAA",
        status: opts.status ?? "pending_approval",
        decisionOutcome: opts.status ?? "pending_approval",
        decisionMode: opts.mode ?? "human_in_the_loop",
        decisionRule: opts.rule ?? "opportunity.change_stage/late-stage",
        approverRole: opts.approverRole ?? "deal_desk",
        requiredApprovals: opts.requiredApprovals ?? 1,
      },
    });
    return id;
  };
  const asUser = (
    u: { id: string; email: string; name: string },
    roles: TCurrentUser["roles"],
    groups: string[],
  ): TCurrentUser => ({ ...u, roles, groups });

  beforeAll(async () => {
    await seedDemoOrg();
    const agent = await db.agent.findFirstOrThrow({
      where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
    });
    agentId = agent.id;
    envId = agent.environmentId;
    const users = await newGroupMembers("deal_desk", 50, "Deal Desk");
    await db.roleAssignment.createMany({
      data: users.map((u) => ({ userId: u.id, role: "approver" as const })),
    });
    approvers = users.map((u) => asUser(u, ["approver"], ["deal_desk"]));
  });

  it("makes exactly one decision out of 50 concurrent approve/deny clicks", async () => {
    const id = await pending();
    const results = await Promise.allSettled(
      approvers.map((u, i) =>
        decideActionRequest(
          id,
          u,
          i % 2 ? { decision: "deny", reason: "not yet" } : { decision: "approve" },
        ),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        status: 409,
        code: "state_changed",
      });
    }
    const row = await withApprovals(id);
    expect(["approved", "denied"]).toContain(row.status);
    expect(row.approvals).toHaveLength(1);
    expect(
      await db.auditEvent.count({
        where: {
          subjectId: id,
          action: { in: ["action_request.approved", "action_request.denied"] },
        },
      }),
    ).toBe(1);
  });

  it("needs N approvals from N different people", async () => {
    const id = await pending({ requiredApprovals: 2 });
    expect(await decideActionRequest(id, approvers[0], { decision: "approve" })).toMatchObject({
      status: "pending_approval",
      approvals: 1,
      required: 2,
    });
    await expect(
      decideActionRequest(id, approvers[0], { decision: "approve" }),
    ).rejects.toMatchObject({ status: 409, code: "already_decided" });
    expect(await decideActionRequest(id, approvers[1], { decision: "approve" })).toMatchObject({
      status: "approved",
      approvals: 2,
    });
    await expect(
      decideActionRequest(id, approvers[2], { decision: "approve" }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it("requires a reason to deny, and changes nothing without one", async () => {
    const id = await pending();
    await expect(decideActionRequest(id, approvers[3], { decision: "deny" })).rejects.toMatchObject(
      { status: 400, code: "invalid_body" },
    );
    const row = await withApprovals(id);
    expect(row.status).toBe("pending_approval");
    expect(row.approvals).toHaveLength(0);
    expect(
      await decideActionRequest(id, approvers[3], {
        decision: "deny",
        reason: "Evidence is a week old",
      }),
    ).toMatchObject({ status: "denied" });
  });

  it("keeps separation of duties: the agent's owner cannot approve its amount changes or raised-risk requests", async () => {
    const owner = await db.user.findUniqueOrThrow({ where: { email: "aemanager@tollgate.demo" } });
    const asOwner = asUser(owner, ["approver"], ["ae_manager", "deal_desk"]);
    const amount = await pending({
      approverRole: "ae_manager",
      actionType: "opportunity.change_amount_or_close_date",
      rule: "opportunity.change_amount_or_close_date/default",
    });
    await expect(
      decideActionRequest(amount, asOwner, { decision: "approve" }),
    ).rejects.toMatchObject({ status: 403, code: "separation_of_duties" });
    const late = await pending({ rule: "opportunity.change_stage/late-stage" });
    await expect(decideActionRequest(late, asOwner, { decision: "approve" })).rejects.toMatchObject(
      { status: 403, code: "separation_of_duties" },
    );
    // the owner may still deny, and may approve a default-rule request of its agent
    const early = await pending({ rule: "opportunity.change_stage/default" });
    expect(await decideActionRequest(early, asOwner, { decision: "approve" })).toMatchObject({
      status: "approved",
    });
  });

  it("refuses people outside the approver group, viewers, and unknown requests", async () => {
    const id = await pending({ approverRole: "revops_oncall" });
    await expect(
      decideActionRequest(id, approvers[4], { decision: "approve" }),
    ).rejects.toMatchObject({ status: 403, code: "forbidden" });
    const vp = await db.user.findUniqueOrThrow({ where: { email: "vp@tollgate.demo" } });
    await expect(
      decideActionRequest(id, asUser(vp, ["viewer"], []), { decision: "approve" }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      decideActionRequest("ar_nope", approvers[4], { decision: "approve" }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id } })).status).toBe(
      "pending_approval",
    );
  });

  describe("human-only drafts go through the same rules", () => {
    const amountDraft = (requiredApprovals = 2) =>
      pending({
        status: "draft",
        mode: "human_only",
        approverRole: "ae_manager",
        actionType: "opportunity.change_amount_or_close_date",
        rule: "opportunity.change_amount_or_close_date/default",
        requiredApprovals,
      });
    const aeManagers = async (n: number) => {
      const users = await newGroupMembers("ae_manager", n, "AE Manager");
      return users.map((u) => asUser(u, ["approver"], ["ae_manager"]));
    };

    it("the agent's owner cannot execute its own human-only draft", async () => {
      const owner = await db.user.findUniqueOrThrow({
        where: { email: "aemanager@tollgate.demo" },
      });
      const asOwner = asUser(owner, ["approver"], ["ae_manager"]);
      const id = await amountDraft();
      await expect(actOnDraft(id, asOwner, { action: "execute" })).rejects.toMatchObject({
        status: 403,
        code: "separation_of_duties",
      });
      const row = await withApprovals(id);
      expect(row.status).toBe("draft");
      expect(row.approvals).toHaveLength(0);
      // the owner may still discard it, with a reason
      expect(
        await actOnDraft(id, asOwner, { action: "discard", reason: "Wrong quarter" }),
      ).toMatchObject({ status: "discarded" });
    });

    it("a draft runs only once distinct people reach requiredApprovals", async () => {
      const [a, b, c] = await aeManagers(3);
      const id = await amountDraft(2);
      expect(await actOnDraft(id, a, { action: "execute" })).toMatchObject({
        status: "draft",
        approvals: 1,
        required: 2,
      });
      await expect(actOnDraft(id, a, { action: "execute" })).rejects.toMatchObject({
        status: 409,
        code: "already_decided",
      });
      expect((await db.actionRequest.findUniqueOrThrow({ where: { id } })).status).toBe("draft");
      expect(await actOnDraft(id, b, { action: "execute" })).toMatchObject({
        status: "approved",
        approvals: 2,
      });
      await expect(actOnDraft(id, c, { action: "execute" })).rejects.toMatchObject({
        status: 409,
        code: "state_changed",
      });
      const approvals = await db.approval.findMany({ where: { actionRequestId: id } });
      expect(new Set(approvals.map((x) => x.approverId))).toEqual(new Set([a.id, b.id]));
      expect(
        await db.auditEvent.count({
          where: { subjectId: id, action: "action_request.approval_recorded" },
        }),
      ).toBe(1);
    });

    it("people outside the draft's group cannot execute it; concurrent executes release it once", async () => {
      const id = await amountDraft(1);
      await expect(actOnDraft(id, approvers[0], { action: "execute" })).rejects.toMatchObject({
        status: 403,
        code: "forbidden",
      });
      const group = await aeManagers(10);
      const results = await Promise.allSettled(
        group.map((u) => actOnDraft(id, u, { action: "execute" })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const row = await withApprovals(id);
      expect(row.status).toBe("approved");
      expect(row.approvals).toHaveLength(1);
    });

    it("the decision door for approvals refuses drafts, and the draft door refuses approvals", async () => {
      const [a] = await aeManagers(1);
      const draft = await amountDraft(2);
      await expect(decideActionRequest(draft, a, { decision: "approve" })).rejects.toMatchObject({
        status: 409,
      });
      const bulk = await bulkDecide(a, { ids: [draft], decision: "approve" });
      expect(bulk.results[0]).toMatchObject({ ok: false, code: "state_changed" });
      const waiting = await pending({ approverRole: "ae_manager" });
      await expect(actOnDraft(waiting, a, { action: "execute" })).rejects.toMatchObject({
        status: 409,
      });
      expect((await db.actionRequest.findUniqueOrThrow({ where: { id: draft } })).status).toBe(
        "draft",
      );
    });
  });

  it("bulk approvals need no reason; bulk denials do", async () => {
    const a = await pending();
    const b = await pending();
    expect(await bulkDecide(approvers[5], { ids: [a], decision: "approve" })).toMatchObject({
      decided: 1,
    });
    await expect(bulkDecide(approvers[5], { ids: [b], decision: "deny" })).rejects.toThrow();
    await expect(
      bulkDecide(approvers[5], { ids: [b], decision: "deny", reason: " " }),
    ).rejects.toThrow();
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id: b } })).status).toBe(
      "pending_approval",
    );
  });
});
