import { afterEach, describe, expect, it } from "vitest";
import {
  applySwitchChange,
  coveringSwitch,
  createSharedSwitches,
  fromThreadMessage,
  isLive,
  readSharedSwitches,
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

/**
 * The listener thread's side of shared memory (kill-switch-thread.cjs `publish`): the layout the
 * gates read. `half` leaves the sequence odd, as a writer caught mid-write would.
 */
function publisher(buffer: SharedArrayBuffer) {
  const ctrl = new Int32Array(buffer, 0, 4);
  const bytes = new Uint8Array(buffer, 16);
  return {
    publish(entries: TSwitchEntry[], opts: { half?: boolean; overflow?: boolean } = {}) {
      const data = new TextEncoder().encode(
        JSON.stringify(entries.map((e) => ({ ...e, version: String(e.version) }))),
      );
      Atomics.add(ctrl, 0, 1);
      if (opts.overflow) Atomics.store(ctrl, 3, 1);
      else {
        bytes.set(data);
        Atomics.store(ctrl, 2, data.length);
        Atomics.store(ctrl, 3, 0);
      }
      if (!opts.half) Atomics.add(ctrl, 0, 1);
    },
    live: (on: boolean) => Atomics.store(ctrl, 1, on ? 1 : 0),
  };
}

describe("switches the listener thread publishes in shared memory", () => {
  const env1 = (over: Partial<TSwitchEntry> = {}) =>
    entry({ scopeKey: "environment:e1", scope: "environment", environmentId: "e1", ...over });
  const work = { environmentId: "e1", agentId: null, workflowId: null };

  it("the next gate read takes a published trip, with no message from the thread", () => {
    const buffer = createSharedSwitches();
    const thread = publisher(buffer);
    readSharedSwitches(buffer);
    thread.publish([env1({ engaged: false })]);
    thread.live(true);
    listenerUp();
    expect(isLive()).toBe(true);
    expect(coveringSwitch(work)).toBeNull();
    const before = currentEpoch();
    thread.publish([env1({ version: 2n, engaged: true, reason: "stop" })]);
    expect(coveringSwitch(work)).toMatchObject({ scope: "environment", reason: "stop" });
    expect(currentEpoch()).toBe(before + 1);
    expect(liveKillSwitchState()).toEqual([
      expect.objectContaining({ scope: "environment", environmentId: "e1" }),
    ]);
  });

  it("the connection's drop shows at once: memory is no longer the truth", () => {
    const buffer = createSharedSwitches();
    const thread = publisher(buffer);
    readSharedSwitches(buffer);
    thread.publish([]);
    thread.live(true);
    listenerUp();
    expect(liveKillSwitchState()).toEqual([]);
    thread.live(false);
    expect(isLive()).toBe(false);
    expect(liveKillSwitchState()).toBeNull();
  });

  it("a snapshot left half written (its writer died) makes the gates fall back, not hang", () => {
    const buffer = createSharedSwitches();
    const thread = publisher(buffer);
    readSharedSwitches(buffer);
    thread.publish([env1({ engaged: false })]);
    thread.live(true);
    listenerUp();
    expect(isLive()).toBe(true);
    thread.publish([env1({ version: 2n })], { half: true });
    expect(isLive()).toBe(false);
    expect(liveKillSwitchState()).toBeNull();
  });

  it("when the switches do not fit, the thread's messages carry them", () => {
    const buffer = createSharedSwitches();
    const thread = publisher(buffer);
    readSharedSwitches(buffer);
    thread.publish([], { overflow: true });
    thread.live(true);
    listenerUp();
    fromThreadMessage([env1({ engaged: false })], true);
    expect(coveringSwitch(work)).toBeNull();
    thread.publish([], { overflow: true });
    fromThreadMessage([env1({ version: 2n })], false);
    expect(coveringSwitch(work)).toMatchObject({ scope: "environment" });
    // and a message is not applied over a snapshot that fits (it already has it, or newer)
    thread.publish([env1({ version: 3n, engaged: false })]);
    fromThreadMessage([env1({ version: 2n })], false);
    expect(coveringSwitch(work)).toBeNull();
  });
});
