import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";
import { contentHash, pgTimestampIso, type THashedEvent } from "./hash-chain";

/** canonicalJson as it was first written (a sorted copy, then JSON.stringify): the reference. */
function referenceJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "bigint") return v.toString();
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = sortKeys(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

/** contentHash as it was first written: canonicalJson of an object naming every field. */
function referenceContentHash(e: Omit<THashedEvent, "seq" | "prevHash">): string {
  const body = referenceJson({
    lane: e.lane,
    createdAt: e.createdAt,
    actorType: e.actorType,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    actorAgentId: e.actorAgentId ?? null,
    actorUserId: e.actorUserId ?? null,
    environmentId: e.environmentId ?? null,
    object: e.object ?? null,
    recordId: e.recordId ?? null,
    field: e.field ?? null,
    oldValue: e.oldValue ?? null,
    newValue: e.newValue ?? null,
    reasonCode: e.reasonCode ?? null,
    reasonText: e.reasonText ?? null,
    source: e.source ?? null,
    evidence: e.evidence ?? null,
    payload: e.payload ?? {},
  });
  return crypto.createHash("sha256").update(body).digest("hex");
}

/** A small seeded generator (mulberry32), so a failure repeats. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  "a",
  "b",
  "B",
  "",
  "é",
  "z",
  "10",
  "9",
  "0",
  "-1",
  "1.5",
  "__proto__",
  "toJSON",
  "ab",
  "a\u0000",
  "\ud800",
  "constructor",
];
const STRINGS = [
  "",
  "x",
  "Ünïcode ✓",
  'quote " and \\ back',
  "\n\t\u0001",
  "\ud83d\ude00",
  "\udc00 lone",
  "2026-01-01T00:00:00.000Z",
];
const NUMBERS = [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, 123456789.123];

function randomValue(r: () => number, depth: number, plain: boolean): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const n = Math.floor(r() * (depth > 3 ? 5 : plain ? 7 : 11));
  switch (n) {
    case 0:
      return null;
    case 1:
      return pick(STRINGS);
    case 2:
      return pick(NUMBERS);
    case 3:
      return r() < 0.5;
    case 4:
      return pick(STRINGS) + String(Math.floor(r() * 100));
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1, plain));
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--)
        // an own property, "__proto__" too (as JSON.parse makes it)
        Object.defineProperty(o, pick(KEYS), {
          value: randomValue(r, depth + 1, plain),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return o;
    }
    case 7:
      return undefined;
    case 8:
      return new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 1e10));
    case 9:
      return BigInt(Math.floor(r() * 1e6));
    default:
      return [undefined, () => 1, Symbol("s")][Math.floor(r() * 3)];
  }
}

describe("canonicalJson", () => {
  it("writes what the sorted copy wrote, for plain JSON and for anything else", () => {
    const r = rng(11);
    for (let i = 0; i < 20_000; i++) {
      const plain = i % 2 === 0;
      const v = randomValue(r, 0, plain);
      // a value read back from the database is what JSON.parse made of it
      const value = plain ? JSON.parse(JSON.stringify(v) ?? "null") : v;
      expect(canonicalJson(value)).toBe(referenceJson(value));
    }
  });

  it("keeps the odd cases: array-index keys first, __proto__ keys and prototypes", () => {
    const cases: unknown[] = [
      JSON.parse('{"b":1,"10":2,"9":3,"a":[1,{"2":0,"x":1}]}'),
      JSON.parse('{"__proto__":{"x":1},"a":1}'),
      JSON.parse('{"__proto__":5,"a":1}'),
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      { a: undefined, b: [undefined, 1] },
      { d: new Date(0), n: 10n, s: Symbol("x"), f: () => 1 },
      new (class X {
        b = 1;
        a = 2;
      })(),
      [1, , 3],
      -0,
      "plain",
    ];
    for (const v of cases) expect(canonicalJson(v)).toBe(referenceJson(v));
  });
});

describe("contentHash", () => {
  it("is the hash of the canonical JSON of an object naming every field", () => {
    const r = rng(7);
    const s = () => (r() < 0.2 ? null : r() < 0.1 ? undefined : `s${Math.floor(r() * 50)}`);
    for (let i = 0; i < 5_000; i++) {
      const e = {
        lane: r() < 0.05 ? (null as unknown as string) : "data",
        createdAt:
          r() < 0.5 ? new Date(Date.UTC(2026, 0, 1) + i * 1234) : new Date(i * 99).toISOString(),
        actorType: "agent",
        actorAgentId: s(),
        actorUserId: s(),
        action: r() < 0.05 ? (undefined as unknown as string) : "field.changed",
        subjectType: "action_request",
        subjectId: `ar_${i}`,
        environmentId: s(),
        object: s(),
        recordId: s(),
        field: s(),
        oldValue: randomValue(r, 1, r() < 0.5),
        newValue: randomValue(r, 1, r() < 0.5),
        reasonCode: s(),
        reasonText: s(),
        source: randomValue(r, 1, true),
        evidence: randomValue(r, 1, true),
        payload: r() < 0.1 ? null : randomValue(r, 0, r() < 0.7),
      };
      expect(contentHash(e)).toBe(referenceContentHash(e));
    }
  });

  it("hashes a createdAt Date and its ISO string the same", () => {
    const base = {
      lane: "data",
      actorType: "system",
      action: "x",
      subjectType: "t",
      subjectId: "1",
    };
    const at = new Date(Date.UTC(2026, 11, 2, 16, 33, 41, 7));
    expect(contentHash({ ...base, createdAt: at.toISOString() })).toBe(
      contentHash({ ...base, createdAt: at }),
    );
  });
});

describe("pgTimestampIso", () => {
  it("gives what a Date read as UTC gives", () => {
    const r = rng(3);
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    for (let i = 0; i < 20_000; i++) {
      const d = new Date(Math.floor(r() * 2 ** 44) - 2 ** 40);
      const frac = ["", "." + pad(Math.floor(r() * 1e6), 6).replace(/0+$/, "")][i % 2];
      const text =
        `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
        `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${frac === "." ? "" : frac}`;
      expect(pgTimestampIso(text)).toBe(new Date(text.replace(" ", "T") + "Z").toISOString());
    }
    for (const text of [
      "0001-01-01 00:00:00",
      "9999-12-31 23:59:59.999999",
      "2026-12-02 16:33:41.1239",
    ])
      expect(pgTimestampIso(text)).toBe(new Date(text.replace(" ", "T") + "Z").toISOString());
    expect(() => pgTimestampIso("infinity")).toThrow(RangeError);
  });
});
