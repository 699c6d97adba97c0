import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db, type Prisma } from "@/lib/db";
import { clearPolicyCaches } from "@/lib/agent-api";
import { CONFIG_TTL_MS } from "@/lib/agent-api/policy-context";
import { decideActionRequest } from "@/lib/approvals";
import { executeRequest } from "@/lib/execution/execute";
import { planRevert, requestRevert, type TRevertInput } from "@/lib/reverts";
import { listBackoutItems, planBackout } from "@/lib/backouts";
import type { TCurrentUser } from "@/lib/auth";
import { demoUser, newOpportunities, useExecutionSuite } from "./fixtures/execution";

/**
 * Field ownership at the write (issue 12 item 7, lib/execution/field-rules.ts): the conflict
 * rule decides whether a write or a revert goes ahead over a field that changed since it was
 * approved; "agent yields to human edits within N hours"; the freshness SLA sends a stale
 * approval back; allowedWriters is checked again at the write (a revert writes as "humans").
 * Each on a single write, a batched write and a revert.
 */
describe("field ownership at the write", () => {
  const { box, request, agent: agentIds } = useExecutionSuite(0);
  const worker = { workerId: "ownership-test-worker" };
  let ops: TCurrentUser;
  let approver: TCurrentUser;
  const touched = new Set<string>();
  let seeded: Map<string, Prisma.FieldOwnershipCreateInput>;

  beforeAll(async () => {
    ops = await demoUser("ops@tollgate.demo", ["ops_owner"]);
    approver = await demoUser("approver@tollgate.demo", ["approver"], ["deal_desk"]);
    const rows = await db.fieldOwnership.findMany({ where: { object: "Opportunity" } });
    seeded = new Map(rows.map(({ id: _id, updatedAt: _u, ownerUserId: _o, ...r }) => [r.field, r]));
  });

  /** Opportunity.`field`'s ownership for this test (restored after it); the cache cleared. */
  async function rule(field: string, data: Partial<Prisma.FieldOwnershipCreateInput>) {
    touched.add(field);
    const row = {
      systemOfRecord: "salesforce",
      allowedWriters: ["humans", "pipeline-hygiene-bot"],
      conflictRule: "manual_review" as const,
      yieldHours: null,
      freshnessSlaMinutes: null,
      ...data,
    };
    await db.fieldOwnership.upsert({
      where: { system_object_field: { system: "salesforce", object: "Opportunity", field } },
      create: { object: "Opportunity", field, ...row },
      update: row,
    });
    clearPolicyCaches();
  }

  afterEach(async () => {
    for (const field of touched) {
      const where = { system: "salesforce", object: "Opportunity", field };
      const was = seeded.get(field);
      if (was) await db.fieldOwnership.updateMany({ where, data: was });
      else await db.fieldOwnership.deleteMany({ where });
    }
    touched.clear();
    clearPolicyCaches();
  });

  const read = async (recordId: string, fields: string[]) => {
    const { record } = await box.sf.read("Opportunity", recordId, fields);
    return Object.fromEntries(fields.map((f) => [f, record[f] ?? null]));
  };
  const row = (id: string) => db.actionRequest.findUniqueOrThrow({ where: { id } });
  const ask = async (id: string, input: Omit<TRevertInput, "seen">) => {
    const plan = await planRevert(id);
    const seen = Object.fromEntries(plan.fields.map((f) => [f.field, f.current]));
    return requestRevert(ops, id, { ...input, seen });
  };
  /** A fresh opportunity Tollgate wrote `changes` to: [record id, request id]. */
  async function written(label: string, changes: Record<string, unknown>) {
    const [recordId] = await newOpportunities(box, 1, label);
    const id = await request({ recordId, changes });
    expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
    return { recordId, id };
  }
  /** Field-history queries in a request's tries. */
  const historyReads = async (id: string) => {
    const tries = await db.executionAttempt.findMany({ where: { actionRequestId: id } });
    return tries
      .flatMap((t) => (t.connectorCalls ?? []) as { op: string; path: string }[])
      .filter((c) => c.op === "query" && decodeURIComponent(c.path).includes("FieldHistory"))
      .length;
  };

  describe("agent yields to human edits within N hours", () => {
    it("single write: a person's edit an hour ago stops it, naming field, who and when", async () => {
      await rule("NextStep", { conflictRule: "agent_yields_to_humans", yieldHours: 4 });
      const [recordId, mine] = await newOpportunities(box, 2, "Yield single");
      await box.humanEdit("Opportunity", recordId, { NextStep: "Rep: call Tuesday" });
      // proposed after the edit: the approver saw it, nothing changed since — the yield alone stops it
      const id = await request({ recordId, changes: { NextStep: "Agent: send the deck" } });
      const result = await executeRequest(id, worker);
      expect(result.outcome).toBe("back_to_approval");
      const r = await row(id);
      expect(r).toMatchObject({
        status: "pending_approval",
        lastErrorCode: "YIELDS_TO_HUMAN_EDIT",
      });
      expect(r.lastErrorMessage).toMatch(
        /^NextStep was edited in Salesforce by Morgan Reyes at \d{4}-\d\d-\d\d \d\d:\d\d UTC: Tollgate yields to a person's edit for 4 h \(until .+ UTC\)$/,
      );
      expect(await read(recordId, ["NextStep"])).toEqual({ NextStep: "Rep: call Tuesday" });
      // re-approving within the window does not override it
      await decideActionRequest(id, approver, { decision: "approve" });
      expect((await executeRequest(id, worker)).outcome).toBe("back_to_approval");

      // Tollgate's own earlier write of the field is not a person's edit
      const first = await request({ recordId: mine, changes: { NextStep: "Agent: first" } });
      expect((await executeRequest(first, worker)).outcome).toBe("succeeded");
      const second = await request({ recordId: mine, changes: { NextStep: "Agent: second" } });
      expect((await executeRequest(second, worker)).outcome).toBe("succeeded");
      expect(await read(mine, ["NextStep"])).toEqual({ NextStep: "Agent: second" });
    });

    it("batched write: only the request whose field a person edited yields; history read once", async () => {
      await rule("NextStep", { conflictRule: "agent_yields_to_humans", yieldHours: 4 });
      const records = await newOpportunities(box, 3, "Yield batch");
      await box.humanEdit("Opportunity", records[1], { NextStep: "Rep's plan" });
      // a person's edit of another field: NextStep does not yield to it
      await box.humanEdit("Opportunity", records[2], { Amount: 4242 });
      const ids = [];
      for (const [i, recordId] of records.entries())
        ids.push(await request({ recordId, changes: { NextStep: `Agent batch ${i}` } }));
      const result = await executeRequest(ids[0], worker);
      expect(result.outcome).toBe("succeeded");
      expect(result.batch?.map((b) => [b.requestId, b.outcome])).toEqual([
        [ids[1], "back_to_approval"],
        [ids[2], "succeeded"],
      ]);
      expect((await row(ids[1])).lastErrorCode).toBe("YIELDS_TO_HUMAN_EDIT");
      expect(await read(records[1], ["NextStep"])).toEqual({ NextStep: "Rep's plan" });
      expect(await read(records[2], ["NextStep"])).toEqual({ NextStep: "Agent batch 2" });
      // every request of the try records the batch's calls: one history query among them
      expect(await historyReads(ids[0])).toBe(1);
    });

    it("revert: the plan holds a field a person edited in the window; a later edit fails the revert", async () => {
      const { recordId, id } = await written("Yield revert", {
        NextStep: "Agent wrote this",
        Amount: 5150,
      });
      await rule("NextStep", { conflictRule: "agent_yields_to_humans", yieldHours: 2 });
      // a person touched it and put the value back: unchanged, but still their edit
      await box.humanEdit("Opportunity", recordId, { NextStep: "x" });
      await box.humanEdit("Opportunity", recordId, { NextStep: "Agent wrote this" });
      const plan = await planRevert(id);
      const next = plan.fields.find((f) => f.field === "NextStep")!;
      expect(next).toMatchObject({ state: "conflict", current: "Agent wrote this" });
      expect(next.ownership).toContain("by Morgan Reyes");
      expect(plan.fields.find((f) => f.field === "Amount")?.state).toBe("restorable");
      // overwriting is not a person's choice here; skipping is
      const refused = await ask(id, {
        reason: "Undo",
        resolutions: { NextStep: "overwrite" },
        overwriteReason: "The rep agreed",
      }).catch((e) => e);
      expect(refused.code).toBe("invalid_body");
      const revert = await ask(id, { reason: "Undo", resolutions: { NextStep: "skip" } });
      expect(revert.fields.map((f) => f.field)).toEqual(["Amount"]);

      // a second revert, planned before a person's edit: it fails at the write
      const other = await written("Yield revert late", { NextStep: "Agent again" });
      const late = await ask(other.id, { reason: "Undo" });
      await box.humanEdit("Opportunity", other.recordId, { NextStep: "y" });
      await box.humanEdit("Opportunity", other.recordId, { NextStep: "Agent again" });
      await decideActionRequest(late.id, approver, { decision: "approve" });
      expect((await executeRequest(late.id, worker)).outcome).toBe("failed");
      const r = await row(late.id);
      expect(r).toMatchObject({ status: "failed", lastErrorClass: "conflict" });
      expect(r.lastErrorMessage).toContain("NextStep was edited in Salesforce by Morgan Reyes");
      expect(await read(other.recordId, ["NextStep"])).toEqual({ NextStep: "Agent again" });
    });
  });

  describe("conflict rules on a field changed since approval", () => {
    it("single write: manual review goes back, last write wins writes, system of record wins fails", async () => {
      const [a, b, c] = await newOpportunities(box, 3, "Rules single");
      const cases = [
        { rule: "manual_review", recordId: a, outcome: "back_to_approval", after: "person" },
        { rule: "last_write_wins", recordId: b, outcome: "succeeded", after: "agent" },
        { rule: "system_of_record_wins", recordId: c, outcome: "failed", after: "person" },
      ] as const;
      // by id: in the full run, other files' sandboxes hand out the same new record ids
      const ids: string[] = [];
      for (const k of cases) {
        await rule("NextStep", { conflictRule: k.rule });
        const id = await request({ recordId: k.recordId, changes: { NextStep: "agent" } });
        ids.push(id);
        await box.humanEdit("Opportunity", k.recordId, { NextStep: "person" });
        expect((await executeRequest(id, worker)).outcome, k.rule).toBe(k.outcome);
        expect(await read(k.recordId, ["NextStep"]), k.rule).toEqual({ NextStep: k.after });
      }
      const [ra, rb, rc] = await Promise.all(
        ids.map((id) =>
          db.actionRequest.findUniqueOrThrow({
            where: { id },
            include: { fieldChanges: true },
          }),
        ),
      );
      expect(ra).toMatchObject({
        status: "pending_approval",
        lastErrorCode: "CHANGED_SINCE_APPROVAL",
      });
      // the write replaced the person's value, and says so
      expect(rb.status).toBe("succeeded");
      expect(rb.fieldChanges[0]).toMatchObject({
        valueBeforeWrite: "person",
        appliedValue: "agent",
      });
      expect(rc).toMatchObject({
        status: "failed",
        lastErrorCode: "SUPERSEDED_BY_SYSTEM_OF_RECORD",
      });
      expect(rc.lastErrorMessage).toContain(
        'NextStep is now "person" (salesforce is its system of record)',
      );
    });

    it("batched write: each request by its own field's rule", async () => {
      await rule("NextStep", { conflictRule: "last_write_wins" });
      await rule("Description", {
        conflictRule: "system_of_record_wins",
        systemOfRecord: "billing",
      });
      const records = await newOpportunities(box, 3, "Rules batch");
      const ids = [
        await request({ recordId: records[0], changes: { NextStep: "agent 0" } }),
        await request({ recordId: records[1], changes: { Description: "agent 1" } }),
        // CloseDate: the seed's manual review
        await request({ recordId: records[2], changes: { CloseDate: "2027-09-30" } }),
      ];
      await box.humanEdit("Opportunity", records[0], { NextStep: "person 0" });
      await box.humanEdit("Opportunity", records[1], { Description: "person 1" });
      await box.humanEdit("Opportunity", records[2], { CloseDate: "2027-06-30" });
      const result = await executeRequest(ids[0], worker);
      expect(result.outcome).toBe("succeeded");
      expect(result.batch?.map((b) => b.outcome)).toEqual(["failed", "back_to_approval"]);
      expect(await read(records[0], ["NextStep"])).toEqual({ NextStep: "agent 0" });
      expect(await read(records[1], ["Description"])).toEqual({ Description: "person 1" });
      expect(await read(records[2], ["CloseDate"])).toEqual({ CloseDate: "2027-06-30" });
    });

    it("revert: never overwrites a change since its plan, even under last write wins", async () => {
      const { recordId, id } = await written("Rules revert", { NextStep: "agent wrote" });
      await rule("NextStep", { conflictRule: "last_write_wins" });
      const revert = await ask(id, { reason: "Undo" });
      await box.humanEdit("Opportunity", recordId, { NextStep: "person" });
      await decideActionRequest(revert.id, approver, { decision: "approve" });
      expect((await executeRequest(revert.id, worker)).outcome).toBe("failed");
      expect(await read(recordId, ["NextStep"])).toEqual({ NextStep: "person" });
    });
  });

  describe("freshness SLA", () => {
    const decidedHoursAgo = (id: string, h: number) =>
      db.actionRequest.update({
        where: { id },
        data: { decidedAt: new Date(Date.now() - h * 3600_000) },
      });

    it("single write: an approval older than the smallest SLA goes back, read again, then writes", async () => {
      await rule("NextStep", { freshnessSlaMinutes: 30 });
      const [recordId] = await newOpportunities(box, 1, "Fresh single");
      const id = await request({ recordId, changes: { NextStep: "agent", Amount: 99 } });
      await decidedHoursAgo(id, 2);
      // changed since the proposal, unseen: the approver decides again on the value read now
      await box.sf.update("Opportunity", recordId, { Amount: 1234 });
      expect((await executeRequest(id, worker)).outcome).toBe("back_to_approval");
      const r = await db.actionRequest.findUniqueOrThrow({
        where: { id },
        include: { fieldChanges: true },
      });
      expect(r.lastErrorCode).toBe("CHANGED_SINCE_APPROVAL");
      // the change since approval was reported first; now fresh values, a fresh decision
      await decideActionRequest(id, approver, { decision: "approve" });
      await decidedHoursAgo(id, 1);
      expect((await executeRequest(id, worker)).outcome).toBe("back_to_approval");
      const stale = await row(id);
      expect(stale.lastErrorCode).toBe("STALE_APPROVAL");
      expect(stale.lastErrorMessage).toContain(
        "older than the 30 min its fields' freshness allows",
      );
      await decideActionRequest(id, approver, { decision: "approve" });
      expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
      expect(await read(recordId, ["NextStep", "Amount"])).toEqual({
        NextStep: "agent",
        Amount: 99,
      });
    });

    it("batched write: the stale request goes back, the fresh one writes", async () => {
      await rule("NextStep", { freshnessSlaMinutes: 30 });
      const records = await newOpportunities(box, 2, "Fresh batch");
      const fresh = await request({ recordId: records[0], changes: { NextStep: "fresh" } });
      const stale = await request({ recordId: records[1], changes: { NextStep: "stale" } });
      await decidedHoursAgo(stale, 1);
      const result = await executeRequest(fresh, worker);
      expect(result.outcome).toBe("succeeded");
      expect(result.batch).toEqual([
        expect.objectContaining({ requestId: stale, outcome: "back_to_approval" }),
      ]);
      expect((await row(stale)).lastErrorCode).toBe("STALE_APPROVAL");
      expect(await read(records[1], ["NextStep"])).toEqual({ NextStep: null });
    });

    it("revert: a revert approved too long ago fails; planned again, it runs", async () => {
      const { recordId, id } = await written("Fresh revert", { NextStep: "agent wrote" });
      await rule("NextStep", { freshnessSlaMinutes: 30 });
      const revert = await ask(id, { reason: "Undo" });
      await decideActionRequest(revert.id, approver, { decision: "approve" });
      await decidedHoursAgo(revert.id, 1);
      expect((await executeRequest(revert.id, worker)).outcome).toBe("failed");
      expect((await row(revert.id)).lastErrorMessage).toContain("freshness");
      expect(await read(recordId, ["NextStep"])).toEqual({ NextStep: "agent wrote" });
      const again = await ask(id, { reason: "Undo" });
      await decideActionRequest(again.id, approver, { decision: "approve" });
      expect((await executeRequest(again.id, worker)).outcome).toBe("succeeded");
      expect(await read(recordId, ["NextStep"])).toEqual({ NextStep: null });
    });
  });

  describe("allowed writers, checked again at the write", () => {
    it("single and batched: a writer no longer allowed is refused and dead-lettered, nothing written", async () => {
      const records = await newOpportunities(box, 3, "Writers");
      const alone = await request({ recordId: records[0], changes: { NextStep: "agent" } });
      await rule("NextStep", { systemOfRecord: "billing", allowedWriters: ["billing-sync"] });
      expect((await executeRequest(alone, worker)).outcome).toBe("dead_lettered");
      expect(await row(alone)).toMatchObject({ lastErrorCode: "FIELD_OWNED_ELSEWHERE" });
      expect((await row(alone)).lastErrorMessage).toContain("owned by billing");

      const barred = await request({ recordId: records[1], changes: { NextStep: "agent" } });
      const allowed = await request({ recordId: records[2], changes: { Amount: 7 } });
      const result = await executeRequest(allowed, worker);
      expect(result.outcome).toBe("succeeded");
      expect(result.batch).toEqual([
        expect.objectContaining({ requestId: barred, outcome: "dead_lettered" }),
      ]);
      expect(await read(records[1], ["NextStep"])).toEqual({ NextStep: null });
      expect(await read(records[0], ["NextStep"])).toEqual({ NextStep: null });
    });

    it("bulk backout: its dry run holds a field people may not write, as its reverts' write would", async () => {
      const from = new Date(Date.now() - 1_000);
      const { recordId } = await written("Writers backout", {
        NextStep: "agent wrote",
        Amount: 77,
      });
      const to = new Date(Date.now() + 1_000);
      await rule("NextStep", { allowedWriters: ["pipeline-hygiene-bot"] });
      const plan = await planBackout(ops, {
        environmentId: agentIds.environmentId,
        agentId: agentIds.agentId,
        from,
        to,
        reason: "Undo the morning",
      });
      const { items } = await listBackoutItems(plan.id, { limit: 500 });
      const mine = items.filter((i) => i.recordId === recordId);
      expect(mine.map((i) => [i.field, i.state]).sort()).toEqual([
        ["Amount", "restorable"],
        ["NextStep", "conflict"],
      ]);
      expect(mine.find((i) => i.field === "NextStep")?.note).toContain("not people");
    });

    it("a change of ownership reaches the executor once the config cache's second has passed", async () => {
      const [recordId] = await newOpportunities(box, 1, "Writers cached");
      await rule("NextStep", {});
      const first = await request({ recordId, changes: { NextStep: "one" } });
      expect((await executeRequest(first, worker)).outcome).toBe("succeeded");
      // changed behind the cache's back (as another instance would): no clearPolicyCaches here
      await db.fieldOwnership.updateMany({
        where: { object: "Opportunity", field: "NextStep" },
        data: { allowedWriters: ["humans"] },
      });
      await new Promise((r) => setTimeout(r, CONFIG_TTL_MS + 100));
      const second = await request({ recordId, changes: { NextStep: "two" } });
      expect((await executeRequest(second, worker)).outcome).toBe("dead_lettered");
      expect(await read(recordId, ["NextStep"])).toEqual({ NextStep: "one" });
    });

    it("revert: writes as humans — a field people may not write is held in the plan and at the write", async () => {
      const a = await written("Writers revert", { NextStep: "agent wrote", Amount: 31 });
      await rule("NextStep", { allowedWriters: ["pipeline-hygiene-bot"] });
      const plan = await planRevert(a.id);
      expect(plan.fields.find((f) => f.field === "NextStep")).toMatchObject({ state: "conflict" });
      expect(plan.fields.find((f) => f.field === "NextStep")?.ownership).toContain("not people");
      const revert = await ask(a.id, { reason: "Undo", resolutions: { NextStep: "skip" } });
      expect(revert.fields.map((f) => f.field)).toEqual(["Amount"]);

      // the row changes after the revert was planned: the write refuses it
      const b = await written("Writers revert late", { NextStep: "agent wrote" });
      await rule("NextStep", {});
      const late = await ask(b.id, { reason: "Undo" });
      await rule("NextStep", { allowedWriters: ["pipeline-hygiene-bot"] });
      await decideActionRequest(late.id, approver, { decision: "approve" });
      expect((await executeRequest(late.id, worker)).outcome).toBe("dead_lettered");
      expect(await row(late.id)).toMatchObject({ lastErrorCode: "FIELD_OWNED_ELSEWHERE" });
      expect(await read(b.recordId, ["NextStep"])).toEqual({ NextStep: "agent wrote" });
    });
  });
});
