import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import {
  actOnDraft,
  bulkDecide,
  decideActionRequest,
  getInboxItem,
  listInbox,
} from "@/lib/approvals";
import { findInboxItem } from "@/lib/approvals/inbox";
import { createApiKey, authenticateApiKey } from "@/lib/agents/api-keys";
import { createActionRequest, ZActionRequestInput } from "@/lib/agent-api";
import { executeRequest } from "@/lib/execution/execute";
import type { TCurrentUser } from "@/lib/auth";
import { demoUser, useExecutionSuite } from "./fixtures/execution";
import { stageChangeBody } from "./fixtures/agent-bodies";

/** The inbox as an approver sees it: scope, order, filters, pages, the diff read now, bulk, drafts. */
describe("approval inbox", () => {
  const { box, opp, request } = useExecutionSuite(110);
  let dealDesk: TCurrentUser;
  let salesOps: TCurrentUser;
  let admin: TCurrentUser;
  let label = 0;
  const pending = (extra: Partial<Parameters<typeof request>[0]> = {}) =>
    request({
      changes: { NextStep: `inbox ${++label}` },
      status: "pending_approval",
      approverRole: "deal_desk",
      ...extra,
    });

  beforeAll(async () => {
    dealDesk = await demoUser("dealdesk@tollgate.demo", ["approver"], ["deal_desk"]);
    salesOps = await demoUser("salesops@tollgate.demo", ["approver"], ["sales_ops"]);
    admin = await demoUser("admin@tollgate.demo", ["admin"]);
  });

  it("shows a person only their groups' work, riskiest first, in stable pages", async () => {
    const low = await pending();
    const high = await pending();
    const other = await pending({ approverRole: "sales_ops" });
    await db.actionRequest.update({ where: { id: high }, data: { riskScore: 95 } });
    await db.actionRequest.update({ where: { id: low }, data: { riskScore: 94 } });

    const mine = await listInbox(dealDesk, { agent: "pipeline-hygiene-bot", environment: "prod" });
    const ids = mine.items.map((i) => i.id);
    expect(ids).toContain(high);
    expect(ids.indexOf(high)).toBeLessThan(ids.indexOf(low));
    expect(ids).not.toContain(other);
    expect(mine.items.every((i) => i.approverRole === "deal_desk" || i.escalatedTo)).toBe(true);
    expect((await listInbox(salesOps, {})).items.map((i) => i.id)).toContain(other);
    await expect(getInboxItem(salesOps, high)).rejects.toMatchObject({ status: 404 });

    // pages: no row twice, none skipped
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const p = await listInbox(admin, { limit: 7, cursor });
      seen.push(...p.items.map((i) => i.id));
      if (!p.nextCursor) break;
      cursor = p.nextCursor;
    }
    const all = await db.actionRequest.count({
      where: { status: { in: ["pending_approval", "draft"] } },
    });
    expect(seen).toHaveLength(all);
    expect(new Set(seen).size).toBe(all);
    await expect(listInbox(admin, { cursor: "garbage" })).rejects.toMatchObject({ status: 400 });
  });

  it("filters by action type, workflow, environment and age", async () => {
    const id = await pending();
    await db.actionRequest.update({
      where: { id },
      data: {
        createdAt: new Date(Date.now() - 30 * 3600_000),
        slaDueAt: new Date(Date.now() - 60_000),
      },
    });
    const old = await listInbox(dealDesk, { age: "gt24h" });
    expect(old.items.map((i) => i.id)).toContain(id);
    expect(old.items.every((i) => Date.parse(i.createdAt) < Date.now() - 24 * 3600_000)).toBe(true);
    expect((await listInbox(dealDesk, { age: "lt1h" })).items.map((i) => i.id)).not.toContain(id);
    expect((await listInbox(dealDesk, { age: "overdue" })).items.map((i) => i.id)).toContain(id);
    expect(
      (await listInbox(dealDesk, { actionType: "lead.create" })).items.map((i) => i.id),
    ).not.toContain(id);
    expect(
      (await listInbox(dealDesk, { actionType: "opportunity.change_stage" })).items.map(
        (i) => i.id,
      ),
    ).toContain(id);
    expect(
      (await listInbox(dealDesk, { environment: "dev" })).items.map((i) => i.id),
    ).not.toContain(id);
    expect((await listInbox(dealDesk, { workflow: "no-such-flow" })).items).toHaveLength(0);
  });

  it("reads the current value from Salesforce for the diff; approving records what was seen", async () => {
    const recordId = opp();
    const id = await pending({ recordId });
    await box.humanEdit("Opportunity", recordId, { NextStep: "edited while waiting" });
    const detail = await getInboxItem(dealDesk, id);
    expect(detail.diff[0]).toMatchObject({
      field: "NextStep",
      current: "edited while waiting",
      proposed: `inbox ${label}`,
    });
    expect(detail.diff[0].whenProposed).not.toBe("edited while waiting");
    expect(detail.rule.key).toBe("opportunity.change_stage/default");
    expect(detail.evidence).toHaveLength(1);
    // the approver approved knowing the new value: execution writes, no conflict
    await decideActionRequest(id, dealDesk, {
      decision: "approve",
      seen: { NextStep: detail.diff[0].current },
    });
    expect((await executeRequest(id, { workerId: "t" })).outcome).toBe("succeeded");
  });

  it("bulk decisions apply one reason and report what could not be decided", async () => {
    const a = await pending();
    const b = await pending();
    const c = await pending({ approverRole: "sales_ops" });
    await expect(
      bulkDecide(dealDesk, { ids: [a, b], decision: "deny", reason: "" }),
    ).rejects.toThrow();
    const res = await bulkDecide(dealDesk, {
      ids: [a, b, c],
      decision: "deny",
      reason: "Duplicate of another request",
    });
    expect(res.decided).toBe(2);
    expect(res.results.find((r) => r.id === c)).toMatchObject({ ok: false, code: "forbidden" });
    const rows = await db.actionRequest.findMany({ where: { id: { in: [a, b, c] } } });
    expect(rows.find((r) => r.id === a)?.status).toBe("denied");
    expect(rows.find((r) => r.id === c)?.status).toBe("pending_approval");
    const approvals = await db.approval.findMany({ where: { actionRequestId: { in: [a, b] } } });
    expect(approvals.every((x) => x.reason === "Duplicate of another request")).toBe(true);
  });

  it("drafts are executed or discarded by a person; discarding needs a reason", async () => {
    const exec = await pending({ status: "draft" });
    const drop = await pending({ status: "draft" });
    expect((await listInbox(dealDesk, { kind: "drafts" })).items.map((i) => i.id)).toEqual(
      expect.arrayContaining([exec, drop]),
    );
    await expect(actOnDraft(drop, dealDesk, { action: "discard" })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      actOnDraft(drop, salesOps, { action: "discard", reason: "not mine" }),
    ).rejects.toMatchObject({ status: 403 });
    expect((await actOnDraft(drop, dealDesk, { action: "discard", reason: "stale" })).status).toBe(
      "discarded",
    );
    expect((await actOnDraft(exec, dealDesk, { action: "execute" })).status).toBe("approved");
    await expect(actOnDraft(exec, dealDesk, { action: "execute" })).rejects.toMatchObject({
      status: 409,
    });
    expect((await executeRequest(exec, { workerId: "t" })).outcome).toBe("succeeded");
    const approval = await db.approval.findFirstOrThrow({ where: { actionRequestId: exec } });
    expect(approval.approverId).toBe(dealDesk.id);
  });

  it("snapshots the record's name, account, amount, stage and owner at ingest; the list shows it", async () => {
    const { plaintext } = await createApiKey({
      agentSlug: "pipeline-hygiene-bot",
      envSlug: "prod",
      label: "inbox summary test",
    });
    const agent = await authenticateApiKey(plaintext);
    const ask = async (body: object) => {
      const res = await createActionRequest(agent, ZActionRequestInput.parse(body), `req-${label}`);
      expect(res.replayed).toBe(false); // a 201, not a replay
      return res.actionRequest.id;
    };
    // the expectation from plain record reads, not the query ingest uses
    const oppId = opp();
    const { record: read } = await box.sf.read("Opportunity", oppId);
    const account = (await box.sf.read("Account", String(read.AccountId))).record.Name;
    const owner = (await box.sf.read("User", String(read.OwnerId))).record.Name;
    const id = await ask(stageChangeBody(oppId));
    const row = await db.actionRequest.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe("pending_approval");
    const expected = {
      name: read.Name,
      account,
      amount: read.Amount,
      stage: read.StageName,
      owner,
    };
    expect(row.recordSummary).toEqual(expected);
    const listed = (await listInbox(admin, { agent: "pipeline-hygiene-bot", limit: 200 })).items;
    expect(listed.find((i) => i.id === id)?.record).toEqual(expected);
    // the detail reads it again now
    await box.humanEdit("Opportunity", oppId, { Amount: 4242 });
    const detail = await getInboxItem(admin, id);
    expect(detail.record).toEqual(expected);
    expect(detail.recordNow).toEqual({ ...expected, amount: 4242 });

    // the summary query failing never fails the request: the read's own fields are kept
    const other = opp();
    await box.fault({ match: "/query", failNext: { count: 1, status: 503 } });
    const degraded = await ask(stageChangeBody(other));
    const { record: second } = await box.sf.read("Opportunity", other);
    expect(
      (await db.actionRequest.findUniqueOrThrow({ where: { id: degraded } })).recordSummary,
    ).toEqual({
      name: second.Name,
      account: null,
      amount: second.Amount,
      stage: second.StageName,
      owner: null,
    });
    await box.fault({ clear: true });
  });

  it("a decided request stays visible to its group with what happened, who and when", async () => {
    const id = await pending();
    await decideActionRequest(id, dealDesk, { decision: "deny", reason: "Not this quarter" });
    const detail = await getInboxItem(dealDesk, id);
    expect(detail).toMatchObject({ status: "denied", waiting: false });
    expect(detail.decidedAt).toEqual(expect.any(String));
    expect(detail.decisions).toEqual([
      expect.objectContaining({
        by: dealDesk.name,
        decision: "denied",
        reason: "Not this quarter",
      }),
    ]);
    expect(detail.history.map((h) => h.action)).toContain("action_request.denied");
    expect(detail.history.find((h) => h.action === "action_request.denied")?.by).toBe(
      dealDesk.name,
    );
    expect(await findInboxItem(dealDesk, id)).toMatchObject({
      id,
      status: "denied",
      waiting: false,
    });
    // outside the scope it does not exist, decided or not
    expect(await findInboxItem(salesOps, id)).toBeNull();
    await expect(getInboxItem(salesOps, id)).rejects.toMatchObject({ status: 404 });
    expect(await findInboxItem(dealDesk, "ar_no_such_request")).toBeNull();
  });

  it("a viewer has no inbox", async () => {
    const vp = await demoUser("vp@tollgate.demo", ["viewer"]);
    await expect(listInbox(vp, {})).rejects.toMatchObject({ status: 403 });
  });
});
