import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { executeRequest } from "@/lib/execution/execute";
import { bulkDecide, decideActionRequest, getInboxItem } from "@/lib/approvals";
import { planRevert, requestRevert, type TRevertInput } from "@/lib/reverts";
import { getRequestHistory } from "@/lib/requests/request-history";
import { listRequests } from "@/lib/requests";
import { verifyAuditLane } from "@/lib/audit";
import type { TCurrentUser } from "@/lib/auth";
import { tripKillSwitch, resetKillSwitch } from "@/lib/guardrails/kill-switches";
import { demoUser, newOpportunities, useExecutionSuite } from "./fixtures/execution";
import { AppError } from "@/lib/core/errors";
import { codeOf } from "./fixtures/errors";

/**
 * Reverting one succeeded write (issue 12): the revert is a request of its own, approved by the
 * original rule's approvers (never by whoever asked for it), executed like any update, and it
 * never overwrites a field someone changed after Tollgate wrote it unless a person chose to.
 */
describe("revert one request", () => {
  const { box, agent, request } = useExecutionSuite(0);
  const worker = { workerId: "revert-test-worker" };
  let ops: TCurrentUser;
  let approver: TCurrentUser;
  let viewer: TCurrentUser;

  beforeAll(async () => {
    ops = await demoUser("ops@tollgate.demo", ["ops_owner"]);
    approver = await demoUser("approver@tollgate.demo", ["approver"], ["deal_desk"]);
    viewer = await demoUser("vp@tollgate.demo", ["viewer"]);
  });

  /** Ask for a revert as the dialog does: with the values the plan showed. */
  const ask = async (user: TCurrentUser, id: string, input: Omit<TRevertInput, "seen">) => {
    const plan = await planRevert(id).catch(() => null);
    const seen =
      plan?.kind === "delete"
        ? { LastModifiedDate: plan.record!.lastModified }
        : Object.fromEntries((plan?.fields ?? []).map((f) => [f.field, f.current]));
    return requestRevert(user, id, { ...input, seen });
  };

  const CHANGE = { StageName: "Negotiation/Review", Amount: 777000, NextStep: "Send the contract" };

  /** A fresh opportunity, a 3-field change written to it by Tollgate: [record id, request id, values before]. */
  async function written(label: string, changes: Record<string, unknown> = CHANGE) {
    const [recordId] = await newOpportunities(box, 1, label);
    const before = (await box.sf.read("Opportunity", recordId, Object.keys(changes))).record;
    const id = await request({ recordId, changes });
    expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
    return { recordId, id, before };
  }

  /** A lead Tollgate created (auto-approved, executed): its request, the lead and what was read back. */
  async function create(name: string) {
    const id = await request({
      recordId: null,
      object: "Lead",
      actionType: "lead.create",
      changes: { LastName: name, Company: `${name} Co` },
      status: "auto_approved",
      approverRole: null,
    });
    expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
    const ar = await db.actionRequest.findUniqueOrThrow({ where: { id } });
    return { id, leadId: ar.resultRecordId!, after: ar.after as Record<string, unknown> };
  }

  const read = async (recordId: string, fields: string[]) => {
    const { record } = await box.sf.read("Opportunity", recordId, fields);
    return Object.fromEntries(fields.map((f) => [f, record[f] ?? null]));
  };

  it("restores all three fields, through an approval by the original rule's group", async () => {
    const { recordId, id, before } = await written("Revert three");
    expect(await read(recordId, Object.keys(CHANGE))).toMatchObject(CHANGE);

    const plan = await planRevert(id);
    expect(plan.fields.map((f) => [f.field, f.state])).toEqual([
      ["Amount", "restorable"],
      ["NextStep", "restorable"],
      ["StageName", "restorable"],
    ]);

    const revert = await ask(ops, id, { reason: "The agent misread the call notes" });
    expect(revert).toMatchObject({
      status: "pending_approval",
      reverts: id,
      approverRole: "deal_desk",
    });
    expect(revert.fields).toHaveLength(3);

    expect((await decideActionRequest(revert.id, approver, { decision: "approve" })).status).toBe(
      "approved",
    );
    expect((await executeRequest(revert.id, worker)).outcome).toBe("succeeded");

    const fields = Object.keys(CHANGE);
    expect(await read(recordId, fields)).toEqual(
      Object.fromEntries(fields.map((f) => [f, before[f] ?? null])),
    );
    const original = await db.actionRequest.findUniqueOrThrow({
      where: { id },
      include: { fieldChanges: true, reversals: true },
    });
    expect(original.status).toBe("reverted");
    expect(original.fieldChanges.every((f) => f.revertedAt)).toBe(true);
    expect(original.reversals).toHaveLength(1);
    expect(original.reversals[0]).toMatchObject({ status: "succeeded", requestedById: ops.id });
    const events = await db.auditEvent.findMany({
      where: { subjectId: { in: [id, revert.id] } },
      select: { action: true, subjectId: true },
    });
    expect(events).toEqual(
      expect.arrayContaining([
        { action: "action_request.revert_requested", subjectId: revert.id },
        { action: "record.updated", subjectId: revert.id },
        { action: "action_request.reverted", subjectId: id },
      ]),
    );
    for (const lane of ["data", "execution"] as const) {
      expect((await verifyAuditLane(lane)).broken).toBeNull();
    }
    // reverted once: a second revert is refused
    expect(await codeOf(ask(ops, id, { reason: "again" }))).toBe("not_revertible");
  });

  it("reports a field edited in Salesforce since the write as a conflict and never overwrites it", async () => {
    const { recordId, id, before } = await written("Revert conflict");
    await box.humanEdit("Opportunity", recordId, { NextStep: "Customer asked for a call" });

    const plan = await planRevert(id);
    expect(plan.fields.find((f) => f.field === "NextStep")).toMatchObject({
      state: "conflict",
      current: "Customer asked for a call",
      written: CHANGE.NextStep,
    });
    // unresolved: refused, nothing created
    const refused = await ask(ops, id, { reason: "Back it out" }).catch((e) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused.code).toBe("revert_conflict");
    expect(refused.message).toContain("NextStep");
    expect(await db.actionRequest.count({ where: { revertsId: id } })).toBe(0);
    // overwrite without a reason: refused
    expect(
      await codeOf(ask(ops, id, { reason: "Back it out", resolutions: { NextStep: "overwrite" } })),
    ).toBe("invalid_body");

    // skip it: the other two are restored, the person's edit stays
    const revert = await ask(ops, id, {
      reason: "Back it out",
      resolutions: { NextStep: "skip" },
    });
    expect(revert.fields.map((f) => f.field).sort()).toEqual(["Amount", "StageName"]);
    await decideActionRequest(revert.id, approver, { decision: "approve" });
    expect((await executeRequest(revert.id, worker)).outcome).toBe("succeeded");
    expect(await read(recordId, ["StageName", "Amount", "NextStep"])).toEqual({
      StageName: before.StageName,
      Amount: before.Amount,
      NextStep: "Customer asked for a call",
    });
    const fc = await db.fieldChange.findMany({ where: { actionRequestId: id } });
    expect(
      fc
        .filter((f) => f.revertedAt)
        .map((f) => f.field)
        .sort(),
    ).toEqual(["Amount", "StageName"]);
    // a skipped field can still be reverted later: the request stays succeeded until then
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id } })).status).toBe("succeeded");
    const rest = await ask(ops, id, {
      reason: "The rest",
      resolutions: { NextStep: "overwrite" },
      overwriteReason: "The rep agreed the note was the agent's",
    });
    expect(rest.fields.map((f) => f.field)).toEqual(["NextStep"]);
    await decideActionRequest(rest.id, approver, { decision: "approve" });
    expect((await executeRequest(rest.id, worker)).outcome).toBe("succeeded");
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id } })).status).toBe("reverted");
  });

  it("fails, overwriting nothing, when a person edits the field after the revert was approved", async () => {
    const { recordId, id } = await written("Revert late edit");
    const revert = await ask(ops, id, { reason: "Wrong account" });
    // the approver saw the person's new value: that must not become the value the write accepts
    await box.humanEdit("Opportunity", recordId, { Amount: 5 });
    await decideActionRequest(revert.id, approver, {
      decision: "approve",
      seen: { Amount: 5, StageName: CHANGE.StageName, NextStep: CHANGE.NextStep },
    });
    const result = await executeRequest(revert.id, worker);
    expect(result.outcome).toBe("failed");
    expect(await read(recordId, ["Amount", "StageName"])).toEqual({
      Amount: 5,
      StageName: CHANGE.StageName,
    });
    const r = await db.actionRequest.findUniqueOrThrow({ where: { id: revert.id } });
    expect(r).toMatchObject({ status: "failed", lastErrorClass: "conflict" });
    const original = await db.actionRequest.findUniqueOrThrow({
      where: { id },
      include: { reversals: true },
    });
    expect(original.status).toBe("succeeded");
    expect(original.reversals[0].status).toBe("conflict");

    // a new plan shows the conflict; overwriting it needs, and records, a reason
    const again = await ask(ops, id, {
      reason: "Wrong account",
      resolutions: { Amount: "overwrite" },
      overwriteReason: "The 5 was a typo by the rep; the forecast needs the old amount",
    });
    expect(again.fields.find((f) => f.field === "Amount")).toMatchObject({
      resolution: "overwrite",
      from: 5,
    });
    await decideActionRequest(again.id, approver, { decision: "approve" });
    expect((await executeRequest(again.id, worker)).outcome).toBe("succeeded");
    const restored = await db.actionRequest.findUniqueOrThrow({ where: { id } });
    expect(restored.status).toBe("reverted");
  });

  it("refuses a revert decided on values Salesforce no longer holds", async () => {
    const { recordId, id } = await written("Revert stale plan");
    const plan = await planRevert(id);
    const seen = Object.fromEntries(plan.fields.map((f) => [f.field, f.current]));
    await box.humanEdit("Opportunity", recordId, { Amount: 9 });
    const e = await requestRevert(ops, id, { reason: "Stale", seen }).catch((x) => x);
    expect(e.code).toBe("state_changed");
    expect(e.message).toContain("Amount is now 9");
    expect(await db.actionRequest.count({ where: { revertsId: id } })).toBe(0);
  });

  it("leaves a value that was already there before Tollgate's write", async () => {
    const [recordId] = await newOpportunities(box, 1, "Revert already there");
    const id = await request({
      recordId,
      changes: { StageName: "Negotiation/Review", NextStep: "Call" },
    });
    // a person made the stage change before the write ran: Tollgate wrote only NextStep
    await box.humanEdit("Opportunity", recordId, { StageName: "Negotiation/Review" });
    expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
    const plan = await planRevert(id);
    expect(plan.fields.map((f) => [f.field, f.state])).toEqual([
      ["NextStep", "restorable"],
      ["StageName", "already_there"],
    ]);
    const revert = await ask(ops, id, { reason: "Undo the note" });
    expect(revert.fields.map((f) => f.field)).toEqual(["NextStep"]);
    await decideActionRequest(revert.id, approver, { decision: "approve" });
    expect((await executeRequest(revert.id, worker)).outcome).toBe("succeeded");
    expect(await read(recordId, ["StageName"])).toEqual({ StageName: "Negotiation/Review" });
  });

  it("treats a field a later Tollgate write changed as a conflict", async () => {
    const { recordId, id } = await written("Revert later write");
    const later = await request({ recordId, changes: { Amount: 888 } });
    expect((await executeRequest(later, worker)).outcome).toBe("succeeded");
    const plan = await planRevert(id);
    expect(plan.fields.find((f) => f.field === "Amount")).toMatchObject({
      state: "conflict",
      laterRequestId: later,
    });
    expect(await codeOf(ask(ops, id, { reason: "Undo" }))).toBe("revert_conflict");
  });

  it("settles each revert of a batch on its own original (one composite call)", async () => {
    const a = await written("Revert batch A");
    const b = await written("Revert batch B");
    const ra = await ask(ops, a.id, { reason: "Batch back-out" });
    const rb = await ask(ops, b.id, { reason: "Batch back-out" });
    // b's record is edited after its revert was planned: only b conflicts
    await box.humanEdit("Opportunity", b.recordId, { StageName: "Closed Won" });
    await decideActionRequest(ra.id, approver, { decision: "approve" });
    await decideActionRequest(rb.id, approver, { decision: "approve" });
    const result = await executeRequest(ra.id, worker);
    expect(result.outcome).toBe("succeeded");
    expect(result.batch).toEqual([
      expect.objectContaining({ requestId: rb.id, outcome: "failed" }),
    ]);
    expect(await read(a.recordId, ["Amount"])).toEqual({ Amount: a.before.Amount ?? null });
    expect(await read(b.recordId, ["StageName", "Amount"])).toEqual({
      StageName: "Closed Won",
      Amount: CHANGE.Amount,
    });
    const [oa, ob] = await Promise.all(
      [a.id, b.id].map((id) => db.actionRequest.findUniqueOrThrow({ where: { id } })),
    );
    expect([oa.status, ob.status]).toEqual(["reverted", "succeeded"]);
  });

  it("is not stopped by the agent's kill switch (a person's undo), but is by the environment's", async () => {
    const a = await written("Revert under agent switch");
    const b = await written("Revert under environment switch");
    const admin = (await demoUser("admin@tollgate.demo")).id;
    const ra = await ask(ops, a.id, { reason: "The agent's writes go back" });
    const rb = await ask(ops, b.id, { reason: "The agent's writes go back" });
    await decideActionRequest(ra.id, approver, { decision: "approve" });
    // the agent is stopped because of the writes being undone: its switch leaves the revert
    // queued (not halted) and lets its write through
    await tripKillSwitch({ scope: "agent", target: agent.agentId, reason: "bad writes" }, admin);
    try {
      const queued = await db.actionRequest.findUniqueOrThrow({ where: { id: ra.id } });
      expect(queued.status).toBe("approved");
      expect((await executeRequest(ra.id, worker)).outcome).toBe("succeeded");
      expect(await read(a.recordId, ["Amount"])).toEqual({ Amount: a.before.Amount ?? null });
      // an environment switch stops every write there, a person's revert too
      const { slug } = await db.environment.findUniqueOrThrow({
        where: { id: agent.environmentId },
      });
      await tripKillSwitch({ scope: "environment", target: slug, reason: "all stop" }, admin);
      try {
        await decideActionRequest(rb.id, approver, { decision: "approve" });
        expect((await executeRequest(rb.id, worker)).outcome).toBe("halted");
        expect(await read(b.recordId, ["Amount"])).toEqual({ Amount: CHANGE.Amount });
      } finally {
        await resetKillSwitch({ scope: "environment", target: slug, reason: "over" }, admin);
      }
    } finally {
      await resetKillSwitch({ scope: "agent", target: agent.agentId, reason: "over" }, admin);
    }
  });

  it("may not be approved by the person who asked for it, nor asked for by a viewer", async () => {
    const { id } = await written("Revert duties");
    expect(await codeOf(ask(viewer, id, { reason: "I can't" }))).toBe("forbidden");
    const asker = {
      ...ops,
      roles: ["ops_owner", "approver"],
      groups: ["deal_desk"],
    } as TCurrentUser;
    const revert = await ask(asker, id, { reason: "Self-approval attempt" });
    expect(await codeOf(decideActionRequest(revert.id, asker, { decision: "approve" }))).toBe(
      "separation_of_duties",
    );
    const still = await db.actionRequest.findUniqueOrThrow({ where: { id: revert.id } });
    expect(still.status).toBe("pending_approval");
    // denied: the revert ends, and so does the reversal it carried (never left planned)
    await decideActionRequest(revert.id, approver, { decision: "deny", reason: "Keep the stage" });
    const reversal = await db.reversal.findFirstOrThrow({ where: { actionRequestId: id } });
    expect(reversal).toMatchObject({ status: "denied" });
    expect(reversal.completedAt).toBeInstanceOf(Date);
  });

  it("tells a request's whole story on its page, the revert linked both ways", async () => {
    const { id } = await written("Revert history");
    const revert = await ask(ops, id, { reason: "History check" });
    expect((await getRequestHistory(id)).revert.blockedBy).toContain(revert.id);
    await decideActionRequest(revert.id, approver, { decision: "approve", reason: "Agreed" });
    await executeRequest(revert.id, worker);

    const h = await getRequestHistory(id);
    expect(h.request).toMatchObject({ id, status: "reverted" });
    expect(h.request.agent.slug).toBe("pipeline-hygiene-bot");
    expect(h.proposal.reasonText).toBe("integration test");
    expect(h.fieldChanges.map((f) => [f.field, f.newValue, !!f.revertedAt])).toEqual([
      ["Amount", CHANGE.Amount, true],
      ["NextStep", CHANGE.NextStep, true],
      ["StageName", CHANGE.StageName, true],
    ]);
    expect(h.attempts).toHaveLength(1);
    expect(h.attempts[0].calls.map((c) => c.op)).toContain("update");
    expect(h.revert.blockedBy).toBe("It was reverted already");
    expect(h.revert.requests).toEqual([
      expect.objectContaining({
        id: revert.id,
        status: "succeeded",
        requestedBy: "Olive Ops",
        reason: "History check",
        fields: ["Amount", "NextStep", "StageName"],
      }),
    ]);
    const actions = h.events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["record.updated", "action_request.reverted"]));
    expect(h.events.every((e) => typeof e.sealed === "boolean" && e.lane)).toBe(true);

    const r = await getRequestHistory(revert.id);
    expect(r.revert.of).toMatchObject({ id, status: "reverted" });
    expect(r.request.requestedBy).toBe("Olive Ops");
    expect(r.approvals).toEqual([
      expect.objectContaining({ approver: approver.name, decision: "approved", reason: "Agreed" }),
    ]);
    expect(r.revert.blockedBy).toContain("It is a revert");
    expect(await codeOf(ask(ops, revert.id, { reason: "Undo the undo" }))).toBe("not_revertible");
    await expect(getRequestHistory("ar_nope")).rejects.toMatchObject({ code: "not_found" });
  });

  it("opens one revert per request when two people ask at once", async () => {
    const { id } = await written("Revert race");
    const admin = await demoUser("admin@tollgate.demo", ["admin"]);
    const results = await Promise.allSettled([
      ask(ops, id, { reason: "First" }),
      ask(admin, id, { reason: "Second" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason.code).toBe("revert_open");
    expect(await db.actionRequest.count({ where: { revertsId: id } })).toBe(1);
  });

  it("reverts a create by deleting its record where the rule allows, never a record changed since unless chosen", async () => {
    const oncall = await demoUser("approver@tollgate.demo", ["approver"], ["revops_oncall"]);
    const gone = async (leadId: string) =>
      box.sf.read("Lead", leadId, ["LastName"]).then(
        () => false,
        (e) => e.errorClass === "not_found",
      );

    // lead.create's rule: "bulk delete plan", rollbackByDelete — the record goes
    const a = await create("Revert create");
    const plan = await planRevert(a.id);
    expect(plan).toMatchObject({
      kind: "delete",
      recordId: a.leadId,
      record: { state: "deletable" },
    });
    const ra = await ask(ops, a.id, { reason: "The agent made a duplicate lead" });
    // an auto-approved create: the on-call group approves its revert
    expect(ra.approverRole).toBe("revops_oncall");
    await decideActionRequest(ra.id, oncall, { decision: "approve", confirmDelete: a.leadId });
    expect((await executeRequest(ra.id, worker)).outcome).toBe("succeeded");
    expect(await gone(a.leadId)).toBe(true);
    const original = await db.actionRequest.findUniqueOrThrow({ where: { id: a.id } });
    expect(original.status).toBe("reverted");

    // someone worked on the lead since: a conflict, deleted only when chosen, with a reason
    const b = await create("Revert create edited");
    await box.humanEdit("Lead", b.leadId, { Title: "VP Sales" });
    expect((await planRevert(b.id)).record?.state).toBe("conflict");
    expect(await codeOf(ask(ops, b.id, { reason: "Duplicate" }))).toBe("revert_conflict");
    expect(
      await codeOf(
        ask(ops, b.id, { reason: "Duplicate", resolutions: { LastModifiedDate: "overwrite" } }),
      ),
    ).toBe("invalid_body");
    const rb = await ask(ops, b.id, {
      reason: "Duplicate",
      resolutions: { LastModifiedDate: "overwrite" },
      overwriteReason: "The rep's title edit is on the surviving lead too",
    });
    // and edited again after the revert was approved: the delete fails, the lead stays
    await decideActionRequest(rb.id, oncall, { decision: "approve", confirmDelete: b.leadId });
    await box.humanEdit("Lead", b.leadId, { Title: "CRO" });
    expect((await executeRequest(rb.id, worker)).outcome).toBe("failed");
    expect(await gone(b.leadId)).toBe(false);

    // a rule without it: the create is left to a person
    const rule = await db.policyRule.findFirstOrThrow({
      where: { actionType: { key: "lead.create" }, matrixVersion: { status: "active" } },
    });
    const c = await create("Revert create not allowed");
    await db.policyRule.update({ where: { id: rule.id }, data: { rollbackByDelete: false } });
    try {
      const e = await planRevert(c.id).catch((x) => x);
      expect(e.code).toBe("not_revertible");
      expect(e.message).toMatch(/its rule does not let Tollgate/);
    } finally {
      await db.policyRule.update({ where: { id: rule.id }, data: { rollbackByDelete: true } });
    }
  });

  it("tells the approver a revert deletes, never lets a selection or a changed rule delete", async () => {
    const oncall = await demoUser("approver@tollgate.demo", ["approver"], ["revops_oncall"]);
    const rule = await db.policyRule.findFirstOrThrow({
      where: { actionType: { key: "lead.create" }, matrixVersion: { status: "active" } },
    });
    const setDelete = (rollbackByDelete: boolean) =>
      db.policyRule.update({ where: { id: rule.id }, data: { rollbackByDelete } });
    const exists = (leadId: string) =>
      box.sf.read("Lead", leadId, ["LastName"]).then(
        () => true,
        () => false,
      );

    // the create kept Salesforce's own version of the record: the plan compares with it
    const a = await create("Revert delete review");
    const { lastModified } = await box.sf.read("Lead", a.leadId, ["LastName"]);
    expect(a.after.LastModifiedDate).toBe(lastModified.toISOString());
    const ra = await ask(ops, a.id, { reason: "A duplicate the agent made" });

    // the inbox says it deletes, and which record; the original's page says a revert is open
    const item = await getInboxItem(oncall, ra.id);
    expect(item.revert).toEqual({ of: a.id, deletes: true });
    expect(item.recordId).toBe(a.leadId);
    expect(item.changes).toEqual([]);
    expect(item.revertAsked).toEqual({
      by: "Olive Ops",
      reason: "A duplicate the agent made",
      overwriteReason: null,
    });
    // and the Requests list (and its export) says so too
    const listed = await listRequests({ record: a.leadId });
    expect(listed.items.find((r) => r.id === ra.id)?.revert).toEqual({ of: a.id, deletes: true });
    expect((await getRequestHistory(a.id)).revert.blockedBy).toBe(
      `A revert of this request is already pending approval: ${ra.id}`,
    );

    // not as one of a selection: refused, nothing decided
    const bulk = await bulkDecide(oncall, { ids: [ra.id], decision: "approve" });
    expect(bulk.results).toEqual([
      expect.objectContaining({ id: ra.id, ok: false, code: "single_review_required" }),
    ]);
    expect(await db.approval.count({ where: { actionRequestId: ra.id } })).toBe(0);

    // approved only with the record it deletes confirmed (the detail's button sends it)
    const approve = (confirmDelete?: string) =>
      decideActionRequest(ra.id, oncall, { decision: "approve", confirmDelete });
    expect(await codeOf(approve())).toBe("single_review_required");
    expect(await codeOf(approve("00Q000000000000AAA"))).toBe("single_review_required");
    expect(await db.approval.count({ where: { actionRequestId: ra.id } })).toBe(0);

    // the rule no longer allows it: the approval is refused, nothing decided
    await setDelete(false);
    try {
      expect(await codeOf(approve(a.leadId))).toBe("not_revertible");
      expect(await db.approval.count({ where: { actionRequestId: ra.id } })).toBe(0);
    } finally {
      await setDelete(true);
    }

    // approved while allowed, then the rule changes while the worker reads the record (after
    // every earlier check): nothing is deleted, and the revert waits for a person in the
    // dead-letter queue (a retry asks the rule again)
    await approve(a.leadId);
    const flipping = new Proxy(box.sf, {
      get(target, prop) {
        if (prop === "read") {
          return async (...args: Parameters<typeof target.read>) => {
            if (args[0] === "Lead") await setDelete(false);
            return target.read(...args);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    try {
      const r = await executeRequest(ra.id, { ...worker, connector: flipping });
      expect(r.outcome).toBe("dead_lettered");
    } finally {
      await setDelete(true);
    }
    const failed = await db.actionRequest.findUniqueOrThrow({ where: { id: ra.id } });
    expect(failed.lastErrorCode).toBe("DELETE_NOT_ALLOWED");
    expect(await exists(a.leadId)).toBe(true);
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id: a.id } })).status).toBe(
      "succeeded",
    );

    // a delete that goes through is a record.deleted event in the data lane, naming the record
    const b = await create("Revert delete event");
    const rb = await ask(ops, b.id, { reason: "A duplicate the agent made" });
    await decideActionRequest(rb.id, oncall, { decision: "approve", confirmDelete: b.leadId });
    expect((await executeRequest(rb.id, worker)).outcome).toBe("succeeded");
    expect(await exists(b.leadId)).toBe(false);
    const events = await db.auditEvent.findMany({
      where: { lane: "data", subjectId: rb.id },
      select: { action: true, recordId: true },
    });
    expect(events).toEqual([{ action: "record.deleted", recordId: b.leadId }]);
    expect((await verifyAuditLane("data")).broken).toBeNull();
  });

  it("refuses what cannot be reverted with the reason", async () => {
    const [recordId] = await newOpportunities(box, 1, "Revert pending");
    const pending = await request({ recordId, changes: { Amount: 1 }, status: "pending_approval" });
    const e = await ask(ops, pending, { reason: "Not written" }).catch((x) => x);
    expect(e.code).toBe("not_revertible");
    expect(e.message).toContain("pending approval");
    expect(await codeOf(ask(ops, "ar_missing", { reason: "Nothing" }))).toBe("not_found");
    const { id } = await written("Revert bad body");
    expect(await codeOf(ask(ops, id, { reason: "" }))).toBe("invalid_body");
    expect(await codeOf(ask(ops, id, { reason: "ok ok", extra: 1 } as never))).toBe("invalid_body");
  });
});
