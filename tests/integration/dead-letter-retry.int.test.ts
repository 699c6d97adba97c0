import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { SalesforceConnector } from "@/lib/connectors/salesforce";
import { executeRequest } from "@/lib/execution/execute";
import { resolveDeadLetter, resumeHalted } from "@/lib/execution/operator-actions";
import { getDeadLetter } from "@/lib/execution/dead-letters";
import { decideActionRequest } from "@/lib/approvals";
import { resetKillSwitch, tripKillSwitch } from "@/lib/guardrails";
import type { TCurrentUser } from "@/lib/auth";
import { demoUser, setRetryPolicies, useExecutionSuite } from "./fixtures/execution";

/**
 * Every door that sends dead-lettered or halted work back to the worker — retry, re-route and
 * approve, resume after a halt — must really run it again: try numbers go on from the highest
 * (they are unique per request), each person's retry gets a fresh budget, and a claim that keeps
 * failing ends in the dead-letter queue instead of looping.
 */
describe("dead-letter retry, re-route and resume run again", () => {
  const { box, opp, request } = useExecutionSuite(60);
  let slow: SalesforceConnector;
  let admin: TCurrentUser;
  const worker = { workerId: "retry-test" };
  const row = (id: string) =>
    db.actionRequest.findUniqueOrThrow({
      where: { id },
      include: { attemptsLog: { orderBy: { attemptNumber: "asc" } }, deadLetter: true },
    });
  /** run tries until the request leaves the worker's hands, skipping the backoff waits */
  const runUntilSettled = async (id: string, connector?: SalesforceConnector) => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      await db.actionRequest.update({ where: { id }, data: { nextAttemptAt: null } });
      const r = await executeRequest(id, { ...worker, ...(connector ? { connector } : {}) });
      outcomes.push(r.outcome);
      if (!["retrying", "claim_failed"].includes(r.outcome)) break;
    }
    return outcomes;
  };
  const timeoutThrice = async (id: string) => {
    await box.fault({ timeoutNext: 3 });
    const outcomes = await runUntilSettled(id, slow);
    await new Promise((r) => setTimeout(r, 400)); // let the timed-out calls drain
    return outcomes;
  };

  beforeAll(async () => {
    admin = await demoUser("admin@tollgate.demo", ["admin"]);
    await setRetryPolicies(["timeout"], {
      maxAttempts: 3,
      backoffMs: 10,
      factor: 1,
      maxBackoffMs: 10,
    });
    slow = new SalesforceConnector({
      loginUrl: box.sandbox.url,
      apiVersion: "62.0",
      ...box.sandbox.credentials,
      timeoutMs: 300,
    });
    await slow.login();
  });
  afterAll(() => db.retryPolicy.deleteMany());

  it("retry after exhausted tries runs again with numbers 4.. and a fresh budget", async () => {
    const recordId = opp();
    const id = await request({ recordId, changes: { NextStep: "Retry me" } });
    expect(await timeoutThrice(id)).toEqual(["retrying", "retrying", "dead_lettered"]);

    await resolveDeadLetter(id, admin.id, { action: "retry", reason: "Salesforce is back" });
    // a fresh budget: three more timeouts are tried before it is dead-lettered again
    expect(await timeoutThrice(id)).toEqual(["retrying", "retrying", "dead_lettered"]);
    let r = await row(id);
    expect(r.attemptsLog.map((a) => a.attemptNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.deadLetter).toMatchObject({ resolvedAt: null, errorClass: "timeout" });
    const view = await getDeadLetter(id);
    expect(view.deadLetter.attempts).toBe(6);
    expect(view.attempts).toHaveLength(6);

    await resolveDeadLetter(id, admin.id, { action: "retry", reason: "now for real" });
    expect(await runUntilSettled(id)).toEqual(["succeeded"]);
    r = await row(id);
    expect(r.status).toBe("succeeded");
    expect(r.attemptsLog.map((a) => a.attemptNumber)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await box.sf.read("Opportunity", recordId, ["NextStep"])).record.NextStep).toBe(
      "Retry me",
    );
  });

  it("re-route to an approver, approve, and it runs with the next number", async () => {
    const id = await request({ changes: { NextStep: "Reroute me" } });
    await timeoutThrice(id);
    await resolveDeadLetter(id, admin.id, { action: "reroute", reason: "needs a second look" });
    expect((await row(id)).status).toBe("pending_approval");
    await decideActionRequest(id, admin, { decision: "approve" });
    expect(await runUntilSettled(id)).toEqual(["succeeded"]);
    expect((await row(id)).attemptsLog.map((a) => a.attemptNumber)).toEqual([1, 2, 3, 4]);
  });

  it("resume after a halt runs with the next number", async () => {
    const id = await request({ changes: { NextStep: "Halt me" } });
    await box.fault({ timeoutNext: 1 });
    expect(await executeRequest(id, { ...worker, connector: slow })).toMatchObject({
      outcome: "retrying",
    });
    await new Promise((r) => setTimeout(r, 400));
    const sw = { scope: "environment" as const, target: "prod", reason: "retry test" };
    await tripKillSwitch(sw, admin.id);
    try {
      expect((await row(id)).status).toBe("halted");
    } finally {
      await resetKillSwitch(sw, admin.id);
    }
    await resumeHalted([id], admin.id, "switch reset");
    expect(await runUntilSettled(id)).toEqual(["succeeded"]);
    expect((await row(id)).attemptsLog.map((a) => a.attemptNumber)).toEqual([1, 2]);
  });

  it("a claim that keeps failing is dead-lettered after 3 tries, never loops, and retries once fixed", async () => {
    const id = await request({ changes: { NextStep: "Claim me" } });
    // a broken claim: every insert of this request's try row fails
    const fn = `tollgate_test_claim_fail_${id.replace(/\W/g, "_")}`;
    // DDL needs the database owner; the app's own connections may not create triggers
    const owner = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await owner.connect();
    await owner.query(`create function ${fn}() returns trigger language plpgsql as $$
      begin if new."actionRequestId" = '${id}' then raise exception 'simulated claim failure'; end if;
      return new; end $$`);
    await owner.query(
      `create trigger ${fn} before insert on "ExecutionAttempt" for each row execute function ${fn}()`,
    );
    try {
      const first = await executeRequest(id, worker);
      expect(first.outcome).toBe("claim_failed");
      // held back, so neither the sweep nor pg-boss spins on it
      expect(first.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
      expect((await executeRequest(id, worker)).outcome).toBe("skipped");
      expect(await runUntilSettled(id)).toEqual(["claim_failed", "dead_lettered"]);
    } finally {
      await owner.query(`drop trigger ${fn} on "ExecutionAttempt"`);
      await owner.query(`drop function ${fn}()`);
      await owner.end();
    }
    let r = await row(id);
    expect(r.status).toBe("dead_lettered");
    expect(r.deadLetter).toMatchObject({ errorCode: "CLAIM_FAILED", resolvedAt: null });
    expect(r.attemptsLog).toHaveLength(0);
    await resolveDeadLetter(id, admin.id, { action: "retry", reason: "trigger removed" });
    expect(await runUntilSettled(id)).toEqual(["succeeded"]);
    r = await row(id);
    expect(r.status).toBe("succeeded");
    expect(r.attemptsLog.map((a) => a.attemptNumber)).toEqual([1]);
  });
});
