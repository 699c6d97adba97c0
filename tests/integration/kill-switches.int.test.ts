import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { verifyAuditLane } from "@/lib/audit";
import {
  engagedKillSwitches,
  listKillSwitches,
  resetKillSwitch,
  tripKillSwitch,
  type TKillSwitchInput,
} from "@/lib/guardrails";
import { waitFor } from "./fixtures/execution";
import { withClient } from "./fixtures/pg";
import { snapshotQueue, useScratch } from "./fixtures/scratch";

const statusOf = async (id: string) =>
  (await db.actionRequest.findUniqueOrThrow({ where: { id } })).status;

describe("kill switches", () => {
  const s = useScratch();

  it("a request a worker claims while the trip waits for its row is neither halted nor audited as halted", async () => {
    const a = await s.agent("dev");
    const [claimed, queued] = [await s.request(a, "approved"), await s.request(a, "approved")];
    const halted = await withClient(async (claimer) => {
      // a worker's claim transaction holds the row; the trip has seen it approved
      await claimer.query("begin");
      await claimer.query(`select id from "ActionRequest" where id = $1 for update`, [claimed.id]);
      const trip = tripKillSwitch({ scope: "agent", target: a.id, reason: "mid-claim" }, s.adminId);
      // (the wait's statement text is not shown while the driver's extended protocol runs it)
      await waitFor(
        async () =>
          (
            await claimer.query(
              `select count(*)::int as n from pg_stat_activity
               where datname = current_database() and wait_event_type = 'Lock'
                 and wait_event = 'transactionid'`,
            )
          ).rows[0].n > 0,
        { what: "the trip to wait for the claimed row" },
      );
      await claimer.query(`update "ActionRequest" set status = 'executing' where id = $1`, [
        claimed.id,
      ]);
      await claimer.query("commit");
      return (await trip).halted;
    });
    expect(halted).toBe(1);
    expect(await statusOf(claimed.id)).toBe("executing");
    expect(await statusOf(queued.id)).toBe("halted");
    const events = await db.auditEvent.findMany({
      where: { action: "action_request.halted", subjectId: { in: [claimed.id, queued.id] } },
      select: { subjectId: true },
    });
    expect(events.map((e) => e.subjectId)).toEqual([queued.id]);
  });

  it("an agent switch halts that agent's approved, auto-approved and retrying work only, audited", async () => {
    const [a, b] = [await s.agent("dev"), await s.agent("dev")];
    const haltable = [
      await s.request(a, "approved"),
      await s.request(a, "auto_approved"),
      await s.request(a, "retrying"),
    ];
    const untouched = [
      await s.request(a, "pending_approval"),
      await s.request(a, "executing"),
      await s.request(a, "succeeded"),
      await s.request(b, "approved"),
    ];

    const sw = await tripKillSwitch(
      { scope: "agent", target: a.id, reason: "writing junk stages" },
      s.adminId,
    );
    expect(sw).toMatchObject({ engaged: true, halted: 3, agentId: a.id, engagedById: s.adminId });

    for (const r of haltable) {
      const row = await db.actionRequest.findUniqueOrThrow({ where: { id: r.id } });
      expect(row.status).toBe("halted");
      expect(row.haltedAt).not.toBeNull();
    }
    for (const r of untouched) expect(await statusOf(r.id)).toBe(r.status);

    const tripped = await db.auditEvent.findMany({
      where: { action: "kill_switch.tripped", subjectId: sw.id },
    });
    expect(tripped).toHaveLength(1);
    expect(tripped[0]).toMatchObject({
      lane: "config",
      actorType: "user",
      actorUserId: s.adminId,
      reasonText: "writing junk stages",
    });
    expect(tripped[0].payload).toMatchObject({ scope: "agent", halted: 3 });
    const halts = await db.auditEvent.findMany({
      where: { action: "action_request.halted", subjectId: { in: haltable.map((r) => r.id) } },
    });
    expect(halts.map((h) => h.lane)).toEqual(["execution", "execution", "execution"]);
    expect(halts.map((h) => (h.payload as { from: string }).from).sort()).toEqual([
      "approved",
      "auto_approved",
      "retrying",
    ]);

    expect(await engagedKillSwitches()).toContainEqual(
      expect.objectContaining({ scope: "agent", agentId: a.id, reason: "writing junk stages" }),
    );
    const row = (await listKillSwitches()).find((r) => r.scope === "agent" && r.target === a.id);
    expect(row).toMatchObject({ engaged: true, engagedBy: "Ada Admin", resetAt: null });
    expect((await verifyAuditLane("config")).broken).toBeNull();
    expect((await verifyAuditLane("execution")).broken).toBeNull();
  });

  it("a trip halting a backlog longer than one audit statement audits each request once", async () => {
    const a = await s.agent("dev");
    // more than the 500 appends writeAuditEvents puts in one statement
    const ids = Array.from({ length: 620 }, () => prefixedId("ar"));
    await db.actionRequest.createMany({
      data: ids.map((id, i) => ({
        id,
        agentId: a.id,
        environmentId: a.environmentId,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: "Opportunity",
        status: (["approved", "auto_approved", "retrying"] as const)[i % 3],
      })),
    });
    const sw = await tripKillSwitch(
      { scope: "agent", target: a.id, reason: "a long queue" },
      s.adminId,
    );
    expect(sw.halted).toBe(ids.length);
    expect(await db.actionRequest.count({ where: { id: { in: ids }, status: "halted" } })).toBe(
      ids.length,
    );
    const halts = await db.auditEvent.findMany({
      where: { action: "action_request.halted", subjectId: { in: ids } },
      select: { subjectId: true, lane: true, actorUserId: true, reasonText: true, payload: true },
    });
    expect(halts.map((h) => h.subjectId).sort()).toEqual([...ids].sort());
    for (const h of halts) {
      expect(h).toMatchObject({
        lane: "execution",
        actorUserId: s.adminId,
        reasonText: `Kill switch (agent ${a.slug} (dev)): a long queue`,
        payload: { to: "halted", killSwitch: sw.id },
      });
    }
    const from = new Map(halts.map((h) => [h.subjectId, (h.payload as { from: string }).from]));
    expect(
      ids.map((id, i) => from.get(id) === ["approved", "auto_approved", "retrying"][i % 3]),
    ).not.toContain(false);
    expect((await verifyAuditLane("execution")).broken).toBeNull();
  });

  it("a reset is audited, leaves halted work halted, and a second reset is 409", async () => {
    const a = await s.agent("dev");
    const queued = await s.request(a, "approved");
    await tripKillSwitch({ scope: "agent", target: a.id, reason: "pause for review" }, s.adminId);

    const reset = await resetKillSwitch(
      { scope: "agent", target: a.id, reason: "reviewed, fine" },
      s.adminId,
    );
    expect(reset).toMatchObject({
      engaged: false,
      resetById: s.adminId,
      resetReason: "reviewed, fine",
    });
    expect(await statusOf(queued.id)).toBe("halted");
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { action: "kill_switch.reset", subjectId: reset.id },
    });
    expect(audit).toMatchObject({
      lane: "config",
      actorUserId: s.adminId,
      reasonText: "reviewed, fine",
    });
    expect(await engagedKillSwitches()).not.toContainEqual(
      expect.objectContaining({ agentId: a.id }),
    );
    const row = (await listKillSwitches()).find((r) => r.target === a.id);
    expect(row).toMatchObject({
      engaged: false,
      resetBy: "Ada Admin",
      resetReason: "reviewed, fine",
      reason: "pause for review",
    });

    await expect(
      resetKillSwitch({ scope: "agent", target: a.id, reason: "again" }, s.adminId),
    ).rejects.toMatchObject({ status: 409, code: "not_engaged" });

    // tripping again starts a fresh episode: the old reset no longer shows
    await tripKillSwitch({ scope: "agent", target: a.id, reason: "second incident" }, s.adminId);
    expect((await listKillSwitches()).find((r) => r.target === a.id)).toMatchObject({
      engaged: true,
      reason: "second incident",
      resetAt: null,
      resetBy: null,
    });
    await resetKillSwitch({ scope: "agent", target: a.id, reason: "done" }, s.adminId);
  });

  it("resetting a switch that was never tripped is 409 and writes nothing", async () => {
    const a = await s.agent("staging");
    const audits = await db.auditEvent.count();
    await expect(
      resetKillSwitch({ scope: "agent", target: a.id, reason: "nothing to reset" }, s.adminId),
    ).rejects.toMatchObject({ status: 409, code: "not_engaged" });
    expect(await db.killSwitch.count({ where: { agentId: a.id } })).toBe(0);
    expect(await db.auditEvent.count()).toBe(audits);
  });

  it("a workflow switch halts only requests on that workflow's versions", async () => {
    const a = await s.agent("dev");
    const { workflow, version } = await s.workflowVersion();
    const onWorkflow = await s.request(a, "auto_approved", version.id);
    const elsewhere = await s.request(a, "auto_approved");
    const sw = await tripKillSwitch(
      { scope: "workflow", target: workflow.key, reason: "bad version" },
      s.adminId,
    );
    expect(sw).toMatchObject({ halted: 1, workflowId: workflow.id });
    expect(await statusOf(onWorkflow.id)).toBe("halted");
    expect(await statusOf(elsewhere.id)).toBe("auto_approved");
    await resetKillSwitch({ scope: "workflow", target: workflow.key, reason: "fixed" }, s.adminId);
  });

  it("an environment switch halts that environment's queued work only", async () => {
    const queue = await snapshotQueue();
    try {
      const [dev, staging] = [await s.agent("dev"), await s.agent("staging")];
      const inDev = await s.request(dev, "retrying");
      const inStaging = await s.request(staging, "approved");
      const sw = await tripKillSwitch(
        { scope: "environment", target: "dev", reason: "dev org refresh" },
        s.adminId,
      );
      expect(await statusOf(inDev.id)).toBe("halted");
      expect(await statusOf(inStaging.id)).toBe("approved");
      const halts = await db.auditEvent.findMany({
        where: {
          action: "action_request.halted",
          payload: { path: ["killSwitch"], equals: sw.id },
        },
        orderBy: { seq: "desc" },
        take: sw.halted,
      });
      expect(halts.length).toBe(sw.halted);
      expect(new Set(halts.map((h) => h.environmentId))).toEqual(new Set([dev.environmentId]));
      await resetKillSwitch(
        { scope: "environment", target: "dev", reason: "refreshed" },
        s.adminId,
      );
    } finally {
      await queue.restore();
    }
  });

  it("the global switch halts queued work everywhere and resets cleanly", async () => {
    const queue = await snapshotQueue();
    try {
      const a = await s.agent("prod");
      const mine = await s.request(a, "approved");
      const sw = await tripKillSwitch({ scope: "global", reason: "incident drill" }, s.adminId);
      expect(sw.halted).toBe(queue.ids.size + 1);
      expect(await statusOf(mine.id)).toBe("halted");
      expect(
        await db.actionRequest.count({
          where: { status: { in: ["approved", "auto_approved", "retrying"] } },
        }),
      ).toBe(0);
      expect(await engagedKillSwitches()).toContainEqual(
        expect.objectContaining({ scope: "global" }),
      );
      await resetKillSwitch({ scope: "global", reason: "drill over" }, s.adminId);
      expect(await engagedKillSwitches()).not.toContainEqual(
        expect.objectContaining({ scope: "global" }),
      );
    } finally {
      await queue.restore();
    }
  });

  it("bad input is refused and changes nothing", async () => {
    const a = await s.agent("dev");
    const queued = await s.request(a, "approved");
    const before = {
      switches: await db.killSwitch.count(),
      audits: await db.auditEvent.count(),
    };
    const zod: TKillSwitchInput[] = [
      { scope: "agent", target: a.id, reason: "" },
      { scope: "agent", target: a.id, reason: "  " },
      { scope: "agent", target: a.id, reason: "no" },
      { scope: "everything" as "global", reason: "because" },
      { scope: "agent", target: a.id, reason: "because", extra: 1 } as TKillSwitchInput,
      { scope: "agent", target: "   ", reason: "because" },
    ];
    for (const input of zod) {
      await expect(tripKillSwitch(input, s.adminId), JSON.stringify(input)).rejects.toBeInstanceOf(
        ZodError,
      );
      await expect(resetKillSwitch(input, s.adminId)).rejects.toBeInstanceOf(ZodError);
    }
    await expect(
      tripKillSwitch({ scope: "agent", reason: "no target" }, s.adminId),
    ).rejects.toMatchObject({ status: 400, code: "invalid_body" });
    for (const scope of ["agent", "environment", "workflow"] as const) {
      await expect(
        tripKillSwitch({ scope, target: "does-not-exist", reason: "because" }, s.adminId),
      ).rejects.toMatchObject({ status: 404, code: "not_found" });
    }
    expect(await db.killSwitch.count()).toBe(before.switches);
    expect(await db.auditEvent.count()).toBe(before.audits);
    expect(await statusOf(queued.id)).toBe("approved");
  });
});
