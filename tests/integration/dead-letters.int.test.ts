import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, type ActionRequestStatus, type KillSwitchScope } from "@/lib/db";
import { sealNow, writeAuditEvent } from "@/lib/audit";
import { prefixedId } from "@/lib/core/ids";
import { getDeadLetter, listDeadLetters, listHalted } from "@/lib/execution/dead-letters";
import { resolveDeadLetter, resumeHalted } from "@/lib/execution/operator-actions";
import { stopBoss } from "@/lib/execution/queue";
import { useScratch } from "./fixtures/scratch";

const MIN = 60_000;

/** The dead-letter queue and halted work as the console reads them. */
describe("dead letters and halted work", () => {
  const s = useScratch();
  let actionTypeId: string;

  type TAgent = Awaited<ReturnType<typeof s.agent>>;
  const request = async (
    agent: TAgent,
    status: ActionRequestStatus,
    extra: { workflowVersionId?: string; haltedAt?: Date; createdAt?: Date } = {},
  ) =>
    db.actionRequest.create({
      data: {
        id: prefixedId("ar"),
        agentId: agent.id,
        environmentId: agent.environmentId,
        actionTypeId,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: "Opportunity",
        recordId: "0068d0000000001AAA",
        status,
        attempts: status === "dead_lettered" ? 2 : 0,
        reasonText: "Call summary shows the buyer moved forward",
        ...extra,
      },
    });

  const letter = async (
    agent: TAgent,
    opts: { createdAt: Date; resolved?: { reason: string } },
  ) => {
    const ar = await request(agent, opts.resolved ? "discarded" : "dead_lettered");
    await db.deadLetter.create({
      data: {
        actionRequestId: ar.id,
        errorClass: "validation",
        errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        errorMessage: "Close Date cannot be in the past while the opportunity is open",
        createdAt: opts.createdAt,
        ...(opts.resolved
          ? {
              resolvedAt: new Date(),
              resolution: "discarded",
              resolvedById: s.adminId,
              resolutionReason: opts.resolved.reason,
            }
          : {}),
      },
    });
    return ar.id;
  };

  /** Engage a switch by writing its row, and put the row back as it was afterwards. */
  async function withSwitch<T>(
    sw: {
      scope: KillSwitchScope;
      scopeKey: string;
      environmentId?: string;
      agentId?: string;
      workflowId?: string;
    },
    fn: () => Promise<T>,
  ): Promise<T> {
    const before = await db.killSwitch.findUnique({ where: { scopeKey: sw.scopeKey } });
    const reason = `test ${sw.scopeKey}`;
    await db.killSwitch.upsert({
      where: { scopeKey: sw.scopeKey },
      create: { ...sw, engaged: true, reason, engagedAt: new Date() },
      update: { engaged: true, reason },
    });
    try {
      return await fn();
    } finally {
      if (before) {
        await db.killSwitch.update({
          where: { scopeKey: sw.scopeKey },
          data: { engaged: before.engaged, reason: before.reason },
        });
      } else {
        await db.killSwitch.delete({ where: { scopeKey: sw.scopeKey } });
      }
    }
  }

  beforeAll(async () => {
    actionTypeId = (
      await db.actionType.findUniqueOrThrow({ where: { key: "opportunity.change_stage" } })
    ).id;
  });
  afterAll(() => stopBoss());

  it("lists open letters first, newest first, with the request they hold up", async () => {
    const agent = await s.agent("dev");
    const now = Date.now();
    const older = await letter(agent, { createdAt: new Date(now - 2 * MIN) });
    const newer = await letter(agent, { createdAt: new Date(now - MIN) });
    const done = await letter(agent, {
      createdAt: new Date(now),
      resolved: { reason: "made by hand" },
    });

    const open = await listDeadLetters();
    expect(open.every((r) => r.resolvedAt === null)).toBe(true);
    const mine = open.filter((r) => r.agent === agent.slug).map((r) => r.requestId);
    expect(mine).toEqual([newer, older]);
    for (let i = 1; i < open.length; i++) {
      expect(open[i - 1].createdAt.getTime()).toBeGreaterThanOrEqual(open[i].createdAt.getTime());
    }
    expect(open.find((r) => r.requestId === newer)).toMatchObject({
      agent: agent.slug,
      environment: "dev",
      actionType: "opportunity.change_stage",
      object: "Opportunity",
      recordId: "0068d0000000001AAA",
      attempts: 2,
      status: "dead_lettered",
      errorClass: "validation",
      errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      errorMessage: expect.stringContaining("Close Date"),
      resolution: null,
    });

    const all = await listDeadLetters({ includeResolved: true });
    const firstResolved = all.findIndex((r) => r.resolvedAt !== null);
    expect(firstResolved).toBeGreaterThan(-1);
    expect(all.slice(firstResolved).every((r) => r.resolvedAt !== null)).toBe(true);
    expect(all.find((r) => r.requestId === done)).toMatchObject({
      resolution: "discarded",
      resolvedBy: "Ada Admin",
      resolutionReason: "made by hand",
    });
  });

  it("tells one letter's whole story: fields, every try with its calls, the execution lane", async () => {
    const agent = await s.agent("dev");
    const id = await letter(agent, { createdAt: new Date() });
    const other = await request(agent, "succeeded");
    await db.fieldChange.createMany({
      data: [
        {
          actionRequestId: id,
          field: "StageName",
          oldValue: "Qualification",
          newValue: "Needs Analysis",
          valueAtApproval: "Qualification",
        },
        { actionRequestId: id, field: "NextStep", newValue: "Demo" },
      ],
    });
    const call = (ok: boolean, at: string) => ({
      op: "update",
      method: "PATCH",
      path: "/services/data/v62.0/sobjects/Opportunity/0068d0000000001AAA",
      ms: 120,
      ok,
      ...(ok ? {} : { errorClass: "validation", code: "FIELD_CUSTOM_VALIDATION_EXCEPTION" }),
      at,
    });
    // written out of order: the answer is in try order
    for (const n of [2, 1]) {
      await db.executionAttempt.create({
        data: {
          actionRequestId: id,
          attemptNumber: n,
          workerId: `w-${n}`,
          finishedAt: new Date(),
          outcome: "failed",
          errorClass: "validation",
          errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
          errorMessage: "Close Date cannot be in the past",
          connectorCalls: [
            { op: "read", method: "GET", path: "/x", ms: 40, ok: true, at: "2026-01-01T00:00:00Z" },
            call(false, "2026-01-01T00:00:01Z"),
          ],
        },
      });
    }
    const base = { environmentId: agent.environmentId };
    await db.$transaction(async (tx) => {
      const system = { type: "system" as const };
      await writeAuditEvent(tx, {
        ...base,
        subjectId: id,
        // not the scratch agent: an event naming it would stop its clean-up (append-only)
        actor: { type: "user", userId: s.adminId },
        action: "action_request.created",
        payload: {
          actionType: "opportunity.change_stage",
          status: "approved",
          changes: { StageName: "Needs Analysis" },
        },
      });
      await writeAuditEvent(tx, {
        ...base,
        subjectId: id,
        actor: system,
        action: "connector.call",
        payload: { ...call(false, "2026-01-01T00:00:01Z"), attempt: 1, workerId: "w-1" },
      });
      await writeAuditEvent(tx, {
        ...base,
        subjectId: id,
        actor: system,
        action: "field.changed",
        payload: {},
      });
      await writeAuditEvent(tx, {
        ...base,
        subjectId: other.id,
        actor: system,
        action: "execution.succeeded",
        payload: { from: "executing", to: "succeeded", attempt: 1, alreadyApplied: false },
      });
      await writeAuditEvent(tx, {
        ...base,
        subjectId: id,
        actor: system,
        action: "execution.dead_lettered",
        reasonText: "Close Date cannot be in the past (validation is not retried)",
        payload: {
          from: "executing",
          to: "dead_lettered",
          attempt: 2,
          errorClass: "validation",
          code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
          why: "validation is not retried",
        },
      });
    });

    await sealNow();
    const d = await getDeadLetter(id);
    // the route answers it as JSON: nothing in it may trip JSON.stringify (a BigInt would)
    expect(() => JSON.stringify(d)).not.toThrow();
    expect(d.deadLetter).toMatchObject({
      requestId: id,
      errorClass: "validation",
      agent: agent.slug,
    });
    expect(d.request.reasonText).toBe("Call summary shows the buyer moved forward");
    expect(d.fieldChanges).toEqual([
      {
        field: "NextStep",
        oldValue: null,
        newValue: "Demo",
        valueAtApproval: null,
        appliedValue: null,
      },
      {
        field: "StageName",
        oldValue: "Qualification",
        newValue: "Needs Analysis",
        valueAtApproval: "Qualification",
        appliedValue: null,
      },
    ]);
    expect(d.attempts.map((a) => [a.attemptNumber, a.workerId])).toEqual([
      [1, "w-1"],
      [2, "w-2"],
    ]);
    expect(d.attempts[0].calls).toEqual([
      expect.objectContaining({ method: "GET", path: "/x", ok: true, status: null }),
      expect.objectContaining({
        method: "PATCH",
        ok: false,
        errorClass: "validation",
        code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        ms: 120,
      }),
    ]);
    expect(d.events.map((e) => e.action)).toEqual([
      "action_request.created",
      "connector.call",
      "execution.dead_lettered",
    ]);
    const seqs = d.events.map((e) => e.seq!);
    expect(seqs.every((n) => n > 0)).toBe(true);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(d.events.map((e) => e.actor)).toEqual(["Ada Admin", "system", "system"]);
    expect(d.events[1].call).toMatchObject({ method: "PATCH", ok: false });
    expect(d.events[2].reasonText).toContain("not retried");

    // resolving it shows who and why, here and in the list
    await resolveDeadLetter(id, s.adminId, { action: "discard", reason: "rep did it by hand" });
    expect((await getDeadLetter(id)).deadLetter).toMatchObject({
      status: "discarded",
      resolution: "discarded",
      resolvedBy: "Ada Admin",
      resolutionReason: "rep did it by hand",
    });
    expect((await listDeadLetters()).some((r) => r.requestId === id)).toBe(false);
  });

  it("answers 404 for a request that is not in the queue", async () => {
    const agent = await s.agent("dev");
    const plain = await request(agent, "failed");
    await expect(getDeadLetter(plain.id)).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
    await expect(getDeadLetter("ar_does_not_exist")).rejects.toMatchObject({ status: 404 });
  });

  it("lists halted work with the engaged switch that still covers each request", async () => {
    const [a, b] = [await s.agent("dev"), await s.agent("dev")];
    const { workflow, version } = await s.workflowVersion();
    const t = Date.now();
    const free = await request(a, "halted", { haltedAt: new Date(t - 3 * MIN) });
    const byAgent = await request(b, "halted", { haltedAt: new Date(t - 2 * MIN) });
    const byWorkflow = await request(a, "halted", {
      haltedAt: new Date(t - MIN),
      workflowVersionId: version.id,
    });
    const notHalted = await request(a, "approved");
    const mine = async () => {
      const { requests, total } = await listHalted();
      expect(total).toBeGreaterThanOrEqual(requests.length);
      const ids = [free.id, byAgent.id, byWorkflow.id, notHalted.id];
      return requests.filter((r) => ids.includes(r.requestId));
    };

    await withSwitch({ scope: "agent", scopeKey: `agent:${b.id}`, agentId: b.id }, () =>
      withSwitch(
        { scope: "workflow", scopeKey: `workflow:${workflow.id}`, workflowId: workflow.id },
        async () => {
          const rows = await mine();
          // newest halt first; approved work is not halted work
          expect(rows.map((r) => r.requestId)).toEqual([byWorkflow.id, byAgent.id, free.id]);
          expect(rows[0]).toMatchObject({
            agent: a.slug,
            environment: "dev",
            workflow: workflow.key,
            actionType: "opportunity.change_stage",
            coveredBy: { scope: "workflow", label: `workflow ${workflow.key}` },
          });
          expect(rows[1].coveredBy).toMatchObject({
            scope: "agent",
            label: `agent ${b.slug} (dev)`,
            reason: `test agent:${b.id}`,
          });
          expect(rows[2].coveredBy).toBeNull();

          // the list and the resume agree on what is covered
          await expect(resumeHalted([byAgent.id], s.adminId, "try anyway")).rejects.toMatchObject({
            status: 409,
            code: "kill_switch_engaged",
          });
          await expect(
            resumeHalted([byWorkflow.id], s.adminId, "try anyway"),
          ).rejects.toMatchObject({
            code: "kill_switch_engaged",
          });

          // an environment switch outranks a workflow one; the global switch outranks all
          const dev = await db.environment.findUniqueOrThrow({ where: { slug: "dev" } });
          await withSwitch(
            { scope: "environment", scopeKey: `environment:${dev.id}`, environmentId: dev.id },
            async () => {
              const covered = await mine();
              expect(covered.map((r) => r.coveredBy?.label)).toEqual([
                "environment dev",
                "environment dev",
                "environment dev",
              ]);
            },
          );
          await withSwitch({ scope: "global", scopeKey: "global" }, async () => {
            expect((await mine()).every((r) => r.coveredBy?.scope === "global")).toBe(true);
          });
        },
      ),
    );

    // every switch back as it was: the free one resumes and leaves the list
    expect(await resumeHalted([free.id], s.adminId, "deploy rolled back")).toMatchObject({
      resumed: 1,
    });
    expect((await mine()).map((r) => r.requestId)).toEqual([byWorkflow.id, byAgent.id]);
    expect((await mine()).every((r) => r.coveredBy === null)).toBe(true);
  });
});
