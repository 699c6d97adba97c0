import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit";

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Never stuck, unless a test says otherwise. */
const calm = { stuckAfterMs: 60_000, maxSlots: 8 };

/** A statement that resolves only when the test says so, recording each batch it ran. */
function gatedRun(fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve, reject) => {
      gates.push(() =>
        items.some(fail)
          ? reject(new Error(`bad item in [${items.join(",")}]`))
          : resolve(items.map((i) => `ok ${i}`)),
      );
    });
  };
  /** open gates as statements come, until none has come for a few turns */
  const openAll = async () => {
    for (let idle = 0; idle < 5;) {
      if (gates.length) {
        gates.shift()!();
        idle = 0;
      } else idle++;
      await tick();
    }
  };
  return { run, batches, openAll };
}

describe("groupCommit", () => {
  it("sends an item at once while a slot is free", async () => {
    const g = gatedRun();
    const gc = groupCommit({ run: g.run, slots: 2, maxBatch: 10, ...calm });
    const a = gc.submit(1);
    expect(g.batches).toEqual([[1]]);
    await g.openAll();
    await expect(a).resolves.toBe("ok 1");
  });

  it("gathers the items that arrive while every slot is busy into the next statement", async () => {
    const g = gatedRun();
    const gc = groupCommit({ run: g.run, slots: 1, maxBatch: 3, ...calm });
    const all = [1, 2, 3, 4, 5, 6].map((i) => gc.submit(i));
    expect(g.batches).toEqual([[1]]);
    expect(gc.waiting).toBe(5);
    await g.openAll();
    expect(g.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `ok ${i}`));
    expect(gc.running).toBe(0);
    expect(gc.waiting).toBe(0);
  });

  it("never runs more statements at once than it has slots", async () => {
    let now = 0;
    let most = 0;
    const gc = groupCommit({
      slots: 3,
      maxBatch: 2,
      ...calm,
      run: async (items: number[]) => {
        most = Math.max(most, ++now);
        await sleep(1);
        now--;
        return items;
      },
    });
    const out = await Promise.all(Array.from({ length: 50 }, (_, i) => gc.submit(i)));
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(3);
  });

  it("when a batch fails, runs its halves again in turn: only the bad one fails", async () => {
    const g = gatedRun((i) => i === 3);
    const gc = groupCommit({ run: g.run, slots: 1, maxBatch: 10, ...calm });
    const all = [1, 2, 3, 4, 5].map((i) => gc.submit(i).catch((e: Error) => e.message));
    await g.openAll();
    expect(g.batches).toEqual([[1], [2, 3, 4, 5], [2, 3], [2], [3], [4, 5]]);
    expect(await Promise.all(all)).toEqual(["ok 1", "ok 2", "bad item in [3]", "ok 4", "ok 5"]);
    // the retries held the one slot: never two statements at once
    expect(gc.running).toBe(0);
  });

  it("fails an item that ran alone with its statement's error; a short answer or a throw is a failure", async () => {
    const gc = groupCommit({
      slots: 1,
      maxBatch: 10,
      ...calm,
      run: (items: number[]) => {
        if (items.includes(0)) throw new Error("thrown, not rejected");
        return Promise.resolve(items.length > 1 ? items.slice(1) : items);
      },
    });
    await expect(gc.submit(0)).rejects.toThrow("thrown, not rejected");
    // a batch that answers fewer results than items: its halves run again
    const first = gc.submit(1);
    const rest = [gc.submit(2), gc.submit(3)];
    expect(await Promise.all([first, ...rest])).toEqual([1, 2, 3]);
    // a synchronous throw inside a shared batch fails only its item
    const mixed = [gc.submit(4), gc.submit(0), gc.submit(5)].map((p) =>
      p.catch((e: Error) => e.message),
    );
    expect(await Promise.all(mixed)).toEqual([4, "thrown, not rejected", 5]);
  });

  it("a statement running past stuckAfterMs no longer holds its slot, up to maxSlots", async () => {
    const g = gatedRun();
    const gc = groupCommit({ run: g.run, slots: 1, maxBatch: 10, stuckAfterMs: 30, maxSlots: 2 });
    const stuck = gc.submit(1);
    const behind = gc.submit(2);
    expect(g.batches).toEqual([[1]]);
    await sleep(60);
    // the first is stuck: the item behind it went in a statement of its own
    expect(g.batches).toEqual([[1], [2]]);
    const third = gc.submit(3);
    await sleep(60);
    // both running statements are stuck, but maxSlots is 2: the third waits
    expect(g.batches).toEqual([[1], [2]]);
    expect(gc.waiting).toBe(1);
    await g.openAll();
    expect(await Promise.all([stuck, behind, third])).toEqual(["ok 1", "ok 2", "ok 3"]);
  });
});
