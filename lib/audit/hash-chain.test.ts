import { describe, expect, it } from "vitest";
import {
  compareWithHead,
  contentHash,
  findBrokenLink,
  GENESIS_HASH,
  hashEvent,
  type THashedEvent,
} from "./hash-chain";

type TChain = (THashedEvent & { hash: string })[];

function chain(n: number): TChain {
  const out: TChain = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e: THashedEvent = {
      lane: "data",
      seq: i,
      createdAt: new Date(Date.UTC(2026, 10, i)),
      actorType: "agent",
      actorAgentId: "a1",
      action: "field.changed",
      subjectType: "action_request",
      subjectId: `ar_${i}`,
      object: "Opportunity",
      recordId: "006x",
      field: "StageName",
      oldValue: "Qualification",
      newValue: `Stage ${i}`,
      payload: { i },
      prevHash: prev,
    };
    const hash = hashEvent(e);
    out.push({ ...e, hash });
    prev = hash;
  }
  return out;
}

describe("audit hash chain", () => {
  it("verifies an intact chain", () => {
    expect(findBrokenLink(chain(10))).toBeNull();
  });

  it("is independent of key order and undefined fields", () => {
    const [e] = chain(1);
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as typeof e;
    expect(hashEvent({ ...reordered, reasonCode: undefined })).toBe(e.hash);
  });

  it.each([
    [
      "a changed new value",
      (c: TChain): void => void (c[4].newValue = "Closed Won"),
      5,
      "content_hash",
    ],
    ["a changed actor", (c: TChain): void => void (c[2].actorAgentId = "a2"), 3, "content_hash"],
    [
      "a changed timestamp",
      (c: TChain): void => void (c[7].createdAt = new Date(0)),
      8,
      "content_hash",
    ],
    ["a deleted event", (c: TChain): void => void c.splice(3, 1), 5, "gap"],
    [
      "a re-hashed event",
      (c: TChain): void => {
        c[5].newValue = "x";
        c[5].hash = hashEvent(c[5]);
      },
      7,
      "link",
    ],
    [
      "a stored content hash that is not the content's",
      (c: TChain): void => void (c[1].contentHash = "f".repeat(64)),
      2,
      "content_hash",
    ],
  ] as const)("detects %s", (_name, tamper, seq, kind) => {
    const c = chain(10);
    tamper(c);
    expect(findBrokenLink(c)).toMatchObject({ seq, kind });
  });

  it("accepts a stored content hash that matches, and none (events sealed before sealing)", () => {
    const c = chain(3);
    const { hash: _h, seq: _s, prevHash: _p, ...content } = c[1];
    c[1].contentHash = contentHash(content);
    c[2].contentHash = null;
    expect(findBrokenLink(c)).toBeNull();
  });

  it("checks the first seq when walking on from a checkpoint", () => {
    const c = chain(10);
    expect(findBrokenLink(c.slice(4), c[3].hash, 5)).toBeNull();
    expect(findBrokenLink(c.slice(5), c[3].hash, 5)).toMatchObject({ seq: 6, kind: "gap" });
    expect(findBrokenLink(c.slice(4), c[2].hash, 5)).toMatchObject({ seq: 5, kind: "link" });
  });
});

describe("audit chain against its head", () => {
  const c = chain(10);
  const last = { lastSeq: 10, lastHash: c[9].hash };
  it.each([
    ["an intact lane", last, { seq: 10, hash: c[9].hash }, 10, null],
    [
      "deleted newest events",
      { lastSeq: 8, lastHash: c[7].hash },
      { seq: 10, hash: c[9].hash },
      8,
      { seq: 9, kind: "truncated" },
    ],
    [
      "a head that moved back",
      last,
      { seq: 9, hash: c[8].hash },
      10,
      { seq: 10, kind: "head_mismatch" },
    ],
    [
      "a rewritten head hash",
      last,
      { seq: 10, hash: c[8].hash },
      10,
      { seq: 10, kind: "head_mismatch" },
    ],
    ["events deleted below", last, { seq: 10, hash: c[9].hash }, 9, { seq: 10, kind: "gap" }],
    [
      "an empty lane",
      { lastSeq: 0, lastHash: GENESIS_HASH },
      { seq: 0, hash: GENESIS_HASH },
      0,
      null,
    ],
    [
      "an emptied lane",
      { lastSeq: 0, lastHash: GENESIS_HASH },
      { seq: 3, hash: c[2].hash },
      0,
      { seq: 1, kind: "truncated" },
    ],
  ] as const)("%s", (_name, end, head, eventCount, expected) => {
    const out = compareWithHead({ ...end, head, eventCount });
    if (expected === null) expect(out).toBeNull();
    else expect(out).toMatchObject(expected);
  });
});
