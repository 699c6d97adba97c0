import { describe, expect, it } from "vitest";
import { statementName, statementNames } from "./prepared";

describe("statementName", () => {
  it("is fixed for a text and differs between texts, even by one character", () => {
    const a = "select $1::text";
    expect(statementName(a)).toBe(statementName("select $1::text"));
    expect(statementName(a)).not.toBe(statementName("select $1::text "));
    expect(statementName(a)).not.toBe(statementName("select $1::int"));
  });

  it("fits PostgreSQL's 63-byte identifiers", () => {
    expect(statementName("x".repeat(10_000))).toMatch(/^tg_[0-9a-f]{24}$/);
  });
});

describe("statementNames", () => {
  it("names up to max texts, then answers undefined and reports the overflow once", () => {
    let overflows = 0;
    const name = statementNames(2, () => overflows++);
    expect(name("a")).toBe(statementName("a"));
    expect(name("b")).toBe(statementName("b"));
    expect(name("c")).toBeUndefined();
    expect(name("d")).toBeUndefined();
    expect(overflows).toBe(1);
    // texts named before the bound keep their names
    expect(name("a")).toBe(statementName("a"));
  });
});
