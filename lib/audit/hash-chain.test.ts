import { describe, expect, it } from "vitest";
import { findBrokenLink, GENESIS_HASH, hashEvent, type THashedEvent } from "./hash-chain";

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
    ["a changed new value", (c: TChain): void => void (c[4].newValue = "Closed Won"), 5, "hash"],
    ["a changed actor", (c: TChain): void => void (c[2].actorAgentId = "a2"), 3, "hash"],
    ["a changed timestamp", (c: TChain): void => void (c[7].createdAt = new Date(0)), 8, "hash"],
    ["a deleted event", (c: TChain): void => void c.splice(3, 1), 5, "gap"],
    [
      "a re-hashed event",
      (c: TChain): void => {
        c[5].newValue = "x";
        c[5].hash = hashEvent(c[5]);
      },
      7,
      "prev_hash",
    ],
  ] as const)("detects %s", (_name, tamper, seq, problem) => {
    const c = chain(10);
    tamper(c);
    expect(findBrokenLink(c)).toEqual({ seq, problem });
  });
});
