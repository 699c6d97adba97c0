import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { executeRequest } from "@/lib/execution/execute";
import { getRecordTimeline, TIMELINE_PAGE } from "@/lib/requests/record-timeline";
import { newOpportunities, requestFor, useExecutionSuite } from "./fixtures/execution";

/**
 * "Why did this field change?" (issue 12): a record's Tollgate requests merged with its
 * Salesforce field history, the changes Tollgate did not make marked as outside it.
 */
describe("record timeline", () => {
  const { box, agent, request } = useExecutionSuite(0);
  const worker = { workerId: "timeline-test-worker" };
  /**
   * A new opportunity with no request on its id yet: each file's sandbox hands out the same ids
   * in the same order, so in the full run earlier files' requests may name it (files run one
   * after another, so removing them here disturbs no one).
   */
  const fresh = async (label: string) => {
    const [id] = await newOpportunities(box, 1, label);
    await db.actionRequest.deleteMany({
      where: { OR: [{ recordId: id }, { resultRecordId: id }] },
    });
    return id;
  };

  it("merges Tollgate's writes with the field history, marking a person's edit as outside Tollgate", async () => {
    const recordId = await fresh("Timeline");
    const stage = await request({ recordId, changes: { StageName: "Negotiation/Review" } });
    expect((await executeRequest(stage, worker)).outcome).toBe("succeeded");
    const amount = await request({ recordId, changes: { Amount: 424242 } });
    expect((await executeRequest(amount, worker)).outcome).toBe("succeeded");
    await box.humanEdit("Opportunity", recordId, { NextStep: "Call the CFO" });
    const pending = await request({
      recordId,
      changes: { Amount: 1 },
      status: "pending_approval",
    });

    const t = await getRecordTimeline(recordId);
    expect(t.object).toBe("Opportunity");
    expect(t.environment?.slug).toBe("prod");
    // newest first, in any status
    expect(t.requests.map((r) => r.id)).toEqual([pending, amount, stage]);
    expect(t.requests[1]).toMatchObject({
      agentSlug: "pipeline-hygiene-bot",
      reasonText: "integration test",
      fields: [expect.objectContaining({ field: "Amount", written: 424242 })],
    });
    expect(t.salesforce.read).toBe(true);
    const byField = (f: string) => t.salesforce.changes.filter((c) => c.field === f);
    expect(byField("NextStep")).toEqual([
      expect.objectContaining({ newValue: "Call the CFO", requestId: null, by: "Morgan Reyes" }),
    ]);
    expect(byField("StageName")).toEqual([
      expect.objectContaining({ newValue: "Negotiation/Review", requestId: stage }),
    ]);
    expect(byField("Amount")).toEqual([
      expect.objectContaining({ newValue: 424242, requestId: amount }),
    ]);

    // the 15-character form finds the same record
    const short = await getRecordTimeline(recordId.slice(0, 15));
    expect(short.requests.map((r) => r.id)).toEqual(t.requests.map((r) => r.id));

    // a create is found by the id Salesforce gave the record it made
    const created = await request({
      recordId: null,
      changes: { Name: "Made by an agent" },
      status: "succeeded",
    });
    await db.actionRequest.update({
      where: { id: created },
      data: { resultRecordId: recordId, completedAt: new Date(), createdAt: new Date() },
    });
    const withCreate = await getRecordTimeline(recordId);
    expect(withCreate.requests.map((r) => r.id)).toEqual([created, pending, amount, stage]);
  });

  it("pages a record's requests newest first, without gaps or repeats", async () => {
    const recordId = await fresh("Timeline paging");
    const at = await db.actionType.findUniqueOrThrow({
      where: { key: "opportunity.change_stage" },
    });
    const base = Date.now() - 3_600_000;
    const n = TIMELINE_PAGE + 5;
    await db.actionRequest.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        id: `ar_tl_${recordId}_${String(i).padStart(3, "0")}`,
        ...agent,
        actionTypeId: at.id,
        idempotencyKey: `tl-${recordId}-${i}`,
        bodyHash: "x",
        object: "Opportunity",
        recordId,
        status: "denied" as const,
        // pairs share a timestamp: the id breaks the tie
        createdAt: new Date(base + Math.floor(i / 2) * 1000),
      })),
    });
    const first = await getRecordTimeline(recordId);
    expect(first.requests).toHaveLength(TIMELINE_PAGE);
    expect(first.nextBefore).toBe(first.requests[TIMELINE_PAGE - 1].id);
    // each page reads its own span of the field history (bounded SOQL the org accepts)
    expect(first.salesforce).toMatchObject({ read: true, error: null });
    const second = await getRecordTimeline(recordId, { before: first.nextBefore! });
    expect(second.salesforce).toMatchObject({ read: true, error: null });
    expect(second.requests).toHaveLength(5);
    expect(second.nextBefore).toBeNull();
    const all = [...first.requests, ...second.requests].map((r) => r.id);
    expect(new Set(all).size).toBe(n);
    expect(all).toEqual(
      Array.from(
        { length: n },
        (_, i) => `ar_tl_${recordId}_${String(n - 1 - i).padStart(3, "0")}`,
      ),
    );
  });

  it("keeps each environment's requests on its own timeline (a sandbox keeps production's ids)", async () => {
    const recordId = await fresh("Timeline envs");
    const prod = await request({ recordId, changes: { Amount: 1 }, status: "pending_approval" });
    const staging = await db.agent.findFirstOrThrow({
      where: { environment: { slug: "staging" } },
    });
    const copy = await requestFor(box.sf, {
      agentId: staging.id,
      environmentId: staging.environmentId,
      recordId,
      changes: { Amount: 2 },
      status: "pending_approval",
    });
    // the newest request (staging's) picks the default; each environment sees only its own
    const byDefault = await getRecordTimeline(recordId);
    expect(byDefault.environment?.slug).toBe("staging");
    expect(byDefault.requests.map((r) => r.id)).toEqual([copy]);
    expect(byDefault.otherEnvironments.map((e) => e.slug)).toEqual(["prod"]);
    const inProd = await getRecordTimeline(recordId, { env: "prod" });
    expect(inProd.requests.map((r) => r.id)).toEqual([prod]);
    expect(inProd.otherEnvironments.map((e) => e.slug)).toEqual(["staging"]);
  });

  it("refuses a malformed id or an unknown environment, and says when it knows no org", async () => {
    await expect(getRecordTimeline("006'; DROP")).rejects.toMatchObject({ code: "invalid_query" });
    await expect(getRecordTimeline("0065g0000000001AAA", { env: "nope" })).rejects.toMatchObject({
      code: "invalid_query",
    });
    const none = await getRecordTimeline("0065g00000ZZZZZAAA");
    expect(none).toMatchObject({ requests: [], environment: null, salesforce: { read: false } });
  });
});
