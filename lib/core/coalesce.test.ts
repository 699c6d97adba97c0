import { describe, expect, it } from "vitest";
import { coalesce } from "./coalesce";

/** A statement the test finishes by hand, recording each batch it was given. */
function statement() {
  const batches: { key: string; inputs: number[]; finish: (fail?: Error) => void }[] = [];
  const run = coalesce<number, string>(
    (key, inputs) =>
      new Promise((resolve, reject) => {
        batches.push({
          key,
          inputs,
          finish: (fail) => (fail ? reject(fail) : resolve(inputs.map((i) => `${key}:${i}`))),
        });
      }),
    3,
  );
  return { run, batches };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("coalesce", () => {
  it("runs a quiet key's first call at once, alone", async () => {
    const s = statement();
    const a = s.run("k", 1);
    expect(s.batches.map((b) => b.inputs)).toEqual([[1]]);
    s.batches[0].finish();
    expect(await a).toBe("k:1");
  });

  it("calls that arrive while a batch is in flight go together, in order, at most maxBatch", async () => {
    const s = statement();
    const out = [1, 2, 3, 4, 5].map((i) => s.run("k", i));
    expect(s.batches.map((b) => b.inputs)).toEqual([[1]]);
    s.batches[0].finish();
    await tick();
    expect(s.batches.map((b) => b.inputs)).toEqual([[1], [2, 3, 4]]);
    s.batches[1].finish();
    await tick();
    expect(s.batches.map((b) => b.inputs)).toEqual([[1], [2, 3, 4], [5]]);
    s.batches[2].finish();
    expect(await Promise.all(out)).toEqual(["k:1", "k:2", "k:3", "k:4", "k:5"]);
  });

  it("keys do not wait for each other", () => {
    const s = statement();
    void s.run("a", 1);
    void s.run("b", 2);
    expect(s.batches.map((b) => [b.key, b.inputs])).toEqual([
      ["a", [1]],
      ["b", [2]],
    ]);
  });

  it("a failed batch fails its own calls only", async () => {
    const s = statement();
    const first = s.run("k", 1);
    const second = s.run("k", 2);
    s.batches[0].finish(new Error("deadlock"));
    await expect(first).rejects.toThrow("deadlock");
    await tick();
    s.batches[1].finish();
    expect(await second).toBe("k:2");
  });

  it("starts afresh once a key's queue is empty", async () => {
    const s = statement();
    const a = s.run("k", 1);
    s.batches[0].finish();
    await a;
    await tick();
    const b = s.run("k", 2);
    expect(s.batches.map((x) => x.inputs)).toEqual([[1], [2]]);
    s.batches[1].finish();
    expect(await b).toBe("k:2");
  });
});
