import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import type { TActionRequestInput } from "@/lib/agent-api/contract";
import {
  insertRequest,
  requestInserts,
  type TInsert,
} from "@/lib/agent-api/persist-action-request";

/**
 * Ingest's inserts from concurrent calls share statements (lib/db/group-commit.ts): each request
 * still commits with exactly its own field changes, audit event and job; a duplicate key in the
 * same statement is answered as the stored request; a bad request fails alone.
 */
describe("ingest group commit", () => {
  let agent: TAuthenticatedAgent;
  let actionTypeId: string;
  let workflowVersionId: string;

  beforeAll(async () => {
    await seedDemoOrg();
    const a = await db.agent.findFirstOrThrow({
      where: { slug: "lead-enrichment-bot", environment: { slug: "prod" } },
      include: { environment: true },
    });
    agent = {
      id: a.id,
      slug: a.slug,
      name: a.name,
      status: "active",
      phase: "execute",
      environmentId: a.environmentId,
      environmentSlug: a.environment.slug,
      ownerId: a.ownerId,
      callsPerMinute: 1_000,
      writesPerHour: 1_000,
      keyId: "test",
    };
    actionTypeId = (await db.actionType.findFirstOrThrow({ where: { key: "lead.create" } })).id;
    workflowVersionId = (await db.workflowVersion.findFirstOrThrow({})).id;
  });

  const request = (key: string, over: Partial<TInsert> = {}, lastName = key): TInsert => {
    const input = {
      workflow: { key: "lead-enrichment" },
      actionType: "lead.create",
      idempotencyKey: key,
      target: { system: "salesforce", object: "Lead", recordId: null },
      changes: { LastName: lastName, Company: "Group Co", LeadSource: "Web" },
      reason: { code: "INBOUND_FORM", text: "form" },
      evidence: [{ type: "form_submission", ref: key }],
    } as unknown as TActionRequestInput;
    return {
      id: prefixedId("ar"),
      agent,
      input,
      bodyHash: crypto.createHash("sha256").update(JSON.stringify(input)).digest("hex"),
      workflowVersionId,
      actionTypeId,
      accountId: null,
      status: "auto_approved",
      decision: {
        mode: "auto",
        rule: "lead.create",
        reasons: ["Matrix: lead.create is auto"],
        approverRole: null,
        requiredApprovals: 0,
        outcome: "auto_approved",
      },
      before: null,
      slaDueAt: null,
      expiresAt: null,
      enqueue: true,
      now: new Date(),
      ...over,
    };
  };
  const created = (r: TInsert) =>
    insertRequest(r, {
      action: "action_request.created",
      payload: {
        status: r.status,
        rule: r.decision.rule,
        mode: r.decision.mode,
        approverRole: null,
        changes: r.input.changes,
        before: null,
        requestId: "req-test",
      },
    });

  it("commits each request with its own rows, answers duplicates as stored, fails a bad one alone", async () => {
    const tag = crypto.randomBytes(4).toString("hex");
    const good = Array.from({ length: 50 }, (_, i) => request(`gc-${tag}-${i}`));
    const twin = request(`gc-${tag}-twin`);
    const twinAgain = { ...request(`gc-${tag}-twin`), bodyHash: twin.bodyHash };
    const otherBody = request(`gc-${tag}-twin`, {}, "Another name");
    const bad = request(`gc-${tag}-bad`, { workflowVersionId: "wv_does_not_exist" });

    // 42 calls at once go in fewer statements than calls (those arriving while one runs wait together)
    const statementsBefore = requestInserts.statements;
    const first = [...good.slice(0, 20), twin, twinAgain, ...good.slice(20, 40)];
    const settled = await Promise.allSettled(first.map(created));
    expect(requestInserts.statements - statementsBefore).toBeLessThan(first.length);
    // a bad one in a shared statement: the statement fails, its items run again alone
    const second = [...good.slice(40, 45), bad, otherBody, ...good.slice(45)];
    const beforeSecond = requestInserts.statements;
    settled.push(...(await Promise.allSettled(second.map(created))));
    // one alone, then the rest together — which failed and ran again in halves
    expect(requestInserts.statements - beforeSecond).toBeGreaterThan(2);
    const all = [...first, ...second];
    const results = settled;

    const outcome = (r: TInsert) => results[all.indexOf(r)];
    for (const g of good) expect(outcome(g)).toEqual({ status: "fulfilled", value: null });
    // the twins: one inserted, the other answered as the stored request
    const twins = [outcome(twin), outcome(twinAgain)];
    expect(twins.filter((t) => t.status === "fulfilled" && t.value === null)).toHaveLength(1);
    const replayed = twins.find((t) => t.status === "fulfilled" && t.value !== null);
    expect(replayed).toBeDefined();
    const stored = await db.actionRequest.findUniqueOrThrow({
      where: {
        agentId_idempotencyKey: { agentId: agent.id, idempotencyKey: twin.input.idempotencyKey },
      },
    });
    expect(
      replayed?.status === "fulfilled" && replayed.value
        ? { id: replayed.value.actionRequest.id, replayed: replayed.value.replayed }
        : null,
    ).toEqual({ id: stored.id, replayed: true });
    // the same key with another body: 409
    const conflict = outcome(otherBody);
    expect(conflict.status).toBe("rejected");
    expect(
      conflict.status === "rejected" && conflict.reason instanceof AppError && conflict.reason.code,
    ).toBe("idempotency_conflict");
    // the bad one failed alone, with the database's error
    const failed = outcome(bad);
    expect(failed.status).toBe("rejected");
    expect(String(failed.status === "rejected" && failed.reason)).toMatch(/foreign key/i);

    // a statement that committed but whose answer was lost runs again: its calls find their
    // own rows and are answered as inserted (201), with nothing written twice (below)
    expect(await Promise.all(good.slice(0, 3).map(created))).toEqual([null, null, null]);

    // every stored request has exactly its own field changes, audit event and job
    const ids = [...good.map((g) => g.id), stored.id];
    const rows = await db.actionRequest.findMany({
      where: { agentId: agent.id, idempotencyKey: { startsWith: `gc-${tag}-` } },
      select: {
        id: true,
        idempotencyKey: true,
        fieldChanges: { select: { field: true, newValue: true } },
      },
    });
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const r of rows) {
      expect(r.fieldChanges.map((f) => f.field).sort()).toEqual([
        "Company",
        "LastName",
        "LeadSource",
      ]);
      expect(r.fieldChanges.find((f) => f.field === "LastName")?.newValue).toBe(r.idempotencyKey);
    }
    const audit = await db.auditEvent.groupBy({
      by: ["subjectId"],
      where: { subjectId: { in: [...ids, bad.id, twin.id, twinAgain.id, otherBody.id] } },
      _count: true,
    });
    expect(Object.fromEntries(audit.map((a) => [a.subjectId, a._count]))).toEqual(
      Object.fromEntries(ids.map((id) => [id, 1])),
    );
    const jobs = await db.$queryRaw<{ key: string; n: bigint }[]>`
      select singleton_key as key, count(*) as n from pgboss.job
      where singleton_key = any(${[...ids, bad.id, twin.id, twinAgain.id, otherBody.id]}::text[])
      group by singleton_key`;
    expect(Object.fromEntries(jobs.map((j) => [j.key, Number(j.n)]))).toEqual(
      Object.fromEntries(ids.map((id) => [id, 1])),
    );
  });

  it("a call waiting on a lock does not hold the others: a stuck statement gives up its slot", async () => {
    const other = await db.agent.findFirstOrThrow({
      where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
    });
    const tag = crypto.randomBytes(4).toString("hex");
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("begin");
      // how the agent lifecycle, elevation and phase gates lock an agent: inserts still run
      await holder.query(`select 1 from "Agent" where id = $1 for no key update`, [agent.id]);
      expect(await created(request(`gcl-${tag}-a`))).toBeNull();
      // a lock an insert's foreign-key check must wait for
      await holder.query(`select 1 from "Agent" where id = $1 for update`, [agent.id]);
      const waiting = created(request(`gcl-${tag}-b`));
      let done = false;
      void waiting.then(() => (done = true));
      // another agent's calls, behind the waiting statement, are inserted while it waits
      const others = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          created(
            request(`gcl-${tag}-other-${i}`, {
              agent: { ...agent, id: other.id, environmentId: other.environmentId },
            }),
          ),
        ),
      );
      expect(others).toEqual([null, null, null, null, null]);
      expect(done).toBe(false);
      await holder.query("commit");
      expect(await waiting).toBeNull();
    } finally {
      await holder.end();
    }
  });

  it("stores a refusal in a shared statement and answers its replay with the refusal", async () => {
    const tag = crypto.randomBytes(4).toString("hex");
    const others = Array.from({ length: 12 }, (_, i) => request(`gcr-${tag}-${i}`));
    const refusal = request(`gcr-${tag}-refused`, {
      status: "denied",
      enqueue: false,
      decision: {
        mode: null,
        rule: "refused/scope_denied",
        reasons: ["not granted"],
        approverRole: null,
        requiredApprovals: 0,
        outcome: "denied",
      },
      refusal: { code: "scope_denied", detail: "Lead.Title is not granted" },
    });
    const refuse = (r: TInsert) =>
      insertRequest(r, {
        action: "action_request.refused",
        payload: {
          code: "scope_denied",
          status: 403,
          detail: "Lead.Title is not granted",
          actionType: "lead.create",
          changes: r.input.changes,
          requestId: "req-test",
        },
      });
    const first = await Promise.all([...others.map(created), refuse(refusal)]);
    expect(first.every((x) => x === null)).toBe(true);
    const row = await db.actionRequest.findUniqueOrThrow({ where: { id: refusal.id } });
    expect([row.status, row.refusalStatus, row.refusalCode, row.decisionMode]).toEqual([
      "denied",
      403,
      "scope_denied",
      null,
    ]);
    expect(row.decidedAt?.getTime()).toBe(refusal.now.getTime());
    // its replay (another id, same key and body): the stored refusal, thrown again
    await expect(refuse({ ...refusal, id: prefixedId("ar") })).rejects.toMatchObject({
      code: "scope_denied",
    });
  });
});
