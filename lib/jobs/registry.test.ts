import { describe, expect, it } from "vitest";
import { sendJob } from "./boss";
import { cronOf, JOB_NAMES, JOBS, LEADER_NAMES, LEADERS, parsePayload, ZTick } from "./registry";

describe("job registry", () => {
  it("gives every job its own queue", () => {
    const queues = JOB_NAMES.map((n) => JOBS[n].queue);
    expect(new Set(queues).size).toBe(queues.length);
    for (const q of queues) expect(q).toMatch(/^tollgate-[a-z-]+$/);
  });

  it("runs each recurring job one at a time, with an expiry for a worker that dies", () => {
    for (const name of JOB_NAMES) {
      const job = JOBS[name];
      if (!("schedule" in job)) continue;
      expect(job.queueOptions.policy, name).toBe("stately");
      expect(job.queueOptions.retryLimit, name).toBe(0);
      expect(job.queueOptions.expireInSeconds, name).toBeGreaterThan(0);
      expect(job.payload, name).toBe(ZTick);
    }
  });

  it("schedules a sub-minute job as a chain with a minute watchdog, others by their cron", () => {
    expect(cronOf({ everySeconds: 1 })).toBe("* * * * *");
    expect(cronOf({ cron: "*/10 * * * *" })).toBe("*/10 * * * *");
    expect(JOBS.recoverInterrupted.schedule).toEqual({ everySeconds: 1 });
    expect(JOBS.pruneRateCounters.schedule).toEqual({ cron: "*/10 * * * *" });
  });

  it("gives every leader loop its own lock, a pause, and a follower retry under a second", () => {
    const locks = LEADER_NAMES.map((n) => LEADERS[n].lock);
    expect(new Set(locks).size).toBe(locks.length);
    for (const name of LEADER_NAMES) {
      const l = LEADERS[name];
      expect(l.everyMs, name).toBeGreaterThan(0);
      expect(l.retryMs, name).toBeGreaterThan(0);
      expect(l.retryMs, name).toBeLessThanOrEqual(1_000);
      expect(l.label, name).not.toBe("");
    }
    expect(LEADERS.sealAudit).toMatchObject({ everyMs: 200, retryMs: 500 });
  });

  it.each([
    ["execute", { requestId: "req_1" }, true],
    ["execute", { requestId: "" }, false],
    ["execute", { requestId: 42 }, false],
    ["execute", {}, false],
    ["execute", null, false],
    ["execute", { requestId: "req_1", extra: 1 }, false],
    ["expireStale", {}, true],
    ["expireStale", { limit: 5 }, false],
  ] as const)("%s payload %j accepted: %s", (name, data, ok) => {
    expect(parsePayload(name, data).ok).toBe(ok);
  });

  it("names the queue and each bad field when it refuses a payload", () => {
    const r = parsePayload("execute", { requestId: 42 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^malformed payload for tollgate-execute \(requestId: /);
    const whole = parsePayload("execute", "req_1");
    if (!whole.ok) expect(whole.reason).toContain("(payload):");
  });

  it("refuses a bad payload when it is sent, before any connection", async () => {
    await expect(sendJob("execute", { requestId: 42 } as never)).rejects.toThrow(/requestId/);
  });
});
