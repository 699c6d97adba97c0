import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit";

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
  const openAll = async () => {
    while (gates.length) {
      gates.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { run, batches, openAll };
}

describe("groupCommit", () => {
  it("sends an item at once while a slot is free", async () => {
    const g = gatedRun();
    const gc = groupCommit({ run: g.run, slots: 2, maxBatch: 10 });
    const a = gc.submit(1);
    expect(g.batches).toEqual([[1]]);
    await g.openAll();
    await expect(a).resolves.toBe("ok 1");
  });

  it("gathers the items that arrive while every slot is busy into the next statement", async () => {
    const g = gatedRun();
    const gc = groupCommit({ run: g.run, slots: 1, maxBatch: 3 });
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
      run: async (items: number[]) => {
        most = Math.max(most, ++now);
        await new Promise((r) => setTimeout(r, 1));
        now--;
        return items;
      },
    });
    const out = await Promise.all(Array.from({ length: 50 }, (_, i) => gc.submit(i)));
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(3);
  });

  it("when a batch fails, runs each of its items alone: only the bad one fails", async () => {
    const g = gatedRun((i) => i === 3);
    const gc = groupCommit({ run: g.run, slots: 1, maxBatch: 10 });
    const all = [1, 2, 3, 4].map((i) => gc.submit(i).catch((e: Error) => e.message));
    await g.openAll();
    expect(g.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    expect(await Promise.all(all)).toEqual(["ok 1", "ok 2", "bad item in [3]", "ok 4"]);
  });

  it("fails an item that ran alone with its statement's error, and a short answer fails the batch", async () => {
    const gc = groupCommit({
      slots: 1,
      maxBatch: 10,
      run: async (items: number[]) => {
        if (items.includes(0)) throw new Error("refused");
        return items.length > 1 ? items.slice(1) : items;
      },
    });
    await expect(gc.submit(0)).rejects.toThrow("refused");
    // a batch that answers fewer results than items is an error: each item runs again alone
    const first = gc.submit(1);
    const rest = [gc.submit(2), gc.submit(3)];
    expect(await Promise.all([first, ...rest])).toEqual([1, 2, 3]);
  });
});
