import { afterEach, describe, expect, it } from "vitest";
import {
  applySwitchChange,
  coveringSwitch,
  currentEpoch,
  drained,
  listenerDown,
  listenerUp,
  liveKillSwitchState,
  replaceSwitches,
  resetKillSwitchMemory,
  runGated,
  runPassed,
  type TSwitchEntry,
} from "./kill-switch-state";

const entry = (over: Partial<TSwitchEntry> & { scopeKey: string }): TSwitchEntry => ({
  version: 1n,
  engaged: true,
  scope: "global",
  reason: null,
  environmentId: null,
  agentId: null,
  workflowId: null,
  workflowKey: null,
  ...over,
});

/** A promise with its resolve, to hold a gated request or write open. */
function gate() {
  let open: () => void = () => {};
  const held = new Promise<void>((r) => (open = r));
  return { held, open };
}

/** Whether `p` has settled after the pending callbacks ran. */
async function settled(p: Promise<unknown>) {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

afterEach(() => resetKillSwitchMemory());

describe("kill switches in memory", () => {
  it("keeps the newest version of each switch, whatever order changes arrive in", () => {
    expect(applySwitchChange(entry({ scopeKey: "global", version: 5n, engaged: true }))).toBe(true);
    expect(applySwitchChange(entry({ scopeKey: "global", version: 4n, engaged: false }))).toBe(
      false,
    );
    expect(applySwitchChange(entry({ scopeKey: "global", version: 5n, engaged: false }))).toBe(
      false,
    );
    listenerUp();
    expect(liveKillSwitchState()).toEqual([expect.objectContaining({ scope: "global" })]);
    expect(applySwitchChange(entry({ scopeKey: "global", version: 6n, engaged: false }))).toBe(
      true,
    );
    expect(liveKillSwitchState()).toEqual([]);
  });

  it("answers null while no listener is up (the caller reads the database), memory once one is", () => {
    replaceSwitches([entry({ scopeKey: "global" })]);
    expect(liveKillSwitchState()).toBeNull();
    listenerUp();
    listenerUp();
    listenerDown();
    expect(liveKillSwitchState()).toHaveLength(1);
    listenerDown();
    expect(liveKillSwitchState()).toBeNull();
  });

  it.each([
    ["global", entry({ scopeKey: "global" }), "e1", "a1", null, true],
    [
      "its environment",
      entry({ scopeKey: "environment:e1", scope: "environment", environmentId: "e1" }),
      "e1",
      "a1",
      null,
      true,
    ],
    [
      "another environment",
      entry({ scopeKey: "environment:e2", scope: "environment", environmentId: "e2" }),
      "e1",
      "a1",
      null,
      false,
    ],
    [
      "its agent",
      entry({ scopeKey: "agent:a1", scope: "agent", agentId: "a1" }),
      "e1",
      "a1",
      null,
      true,
    ],
    [
      "its workflow",
      entry({ scopeKey: "workflow:w1", scope: "workflow", workflowId: "w1" }),
      "e1",
      "a1",
      "w1",
      true,
    ],
    [
      "a workflow, for work on none",
      entry({ scopeKey: "workflow:w1", scope: "workflow", workflowId: "w1" }),
      "e1",
      "a1",
      null,
      false,
    ],
    ["a reset switch", entry({ scopeKey: "global", engaged: false }), "e1", "a1", null, false],
  ] as const)("a write is covered by %s: %s", (_, sw, environmentId, agentId, workflowId, hit) => {
    applySwitchChange(sw);
    expect(coveringSwitch({ environmentId, agentId, workflowId }) !== null).toBe(hit);
  });

  it("holds an acknowledgement until every request that read the switches before the change has finished", async () => {
    listenerUp();
    const before = gate();
    const notReading = gate();
    const reading = runGated(async () => {
      liveKillSwitchState();
      await before.held;
    });
    // a gated request that has not read the switches yet will read the new state
    const idle = runGated(() => notReading.held);
    applySwitchChange(entry({ scopeKey: "global", version: 2n }));
    const epoch = currentEpoch();
    const after = gate();
    const late = runGated(async () => {
      liveKillSwitchState();
      await after.held;
    });
    const ack = drained(epoch);
    expect(await settled(ack)).toBe(false);
    before.open();
    await reading;
    // only the request that passed the gate before the change held it back
    expect(await settled(ack)).toBe(true);
    after.open();
    notReading.open();
    await Promise.all([late, idle]);
  });

  it("counts a request that read the switches on the fallback (listener down) too", async () => {
    const held = gate();
    const request = runGated(async () => {
      expect(liveKillSwitchState()).toBeNull();
      await held.held;
    });
    listenerUp();
    replaceSwitches([entry({ scopeKey: "global" })]);
    const ack = drained(currentEpoch());
    expect(await settled(ack)).toBe(false);
    held.open();
    await request;
    expect(await settled(ack)).toBe(true);
  });

  it("a request that throws still lets acknowledgements through", async () => {
    listenerUp();
    const failing = runGated(async () => {
      liveKillSwitchState();
      await Promise.resolve();
      throw new Error("boom");
    });
    applySwitchChange(entry({ scopeKey: "global", version: 3n }));
    const ack = drained(currentEpoch());
    await expect(failing).rejects.toThrow("boom");
    expect(await settled(ack)).toBe(true);
  });

  it("holds an acknowledgement until writes that passed the gate before the change have settled", async () => {
    const write = gate();
    const passed = runPassed(() => write.held);
    applySwitchChange(entry({ scopeKey: "global", version: 2n }));
    const ack = drained(currentEpoch());
    const laterWrite = gate();
    const later = runPassed(() => laterWrite.held);
    expect(await settled(ack)).toBe(false);
    write.open();
    await passed;
    expect(await settled(ack)).toBe(true);
    laterWrite.open();
    await later;
  });

  it("an acknowledgement with nothing in flight is immediate", async () => {
    applySwitchChange(entry({ scopeKey: "global", version: 2n }));
    expect(await settled(drained(currentEpoch()))).toBe(true);
  });
});
