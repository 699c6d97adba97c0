import { describe, expect, expectTypeOf, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { toClientProps, type TSerialized } from "./serialize";

const at = new Date("2026-12-02T08:00:00.000Z");

describe("toClientProps", () => {
  it.each<[string, unknown, unknown]>([
    ["a date becomes its ISO string", at, "2026-12-02T08:00:00.000Z"],
    ["a Decimal becomes its decimal string", new Prisma.Decimal("12.50"), "12.5"],
    ["a bigint becomes a decimal string", 9007199254740993n, "9007199254740993"],
    ["strings, numbers, booleans and null stay", ["x", 1.5, true, null], ["x", 1.5, true, null]],
    ["a number JSON cannot write becomes null", [NaN, Infinity], [null, null]],
    ["undefined and functions in an array become null", [undefined, () => 1], [null, null]],
    ["undefined and function properties disappear", { a: undefined, f: () => 1, b: 2 }, { b: 2 }],
    ["undefined at the top stays undefined (an absent prop)", undefined, undefined],
    [
      "nested values are converted all the way down",
      { rows: [{ at, id: 7n, amount: new Prisma.Decimal(3), tags: ["a"] }] },
      { rows: [{ at: at.toISOString(), id: "7", amount: "3", tags: ["a"] }] },
    ],
  ])("%s", (_, input, expected) => {
    expect(toClientProps(input)).toStrictEqual(expected);
  });

  it("gives what JSON gives for every value JSON can write", () => {
    const value = {
      at,
      n: [1, null, "s", { deep: [at, undefined] }],
      amount: new Prisma.Decimal("0.1"),
      gone: undefined,
      json: { a: [true, false] },
    };
    expect(toClientProps(value)).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  it("returns a copy, never the input", () => {
    const input = { list: [{ a: 1 }] };
    const out = toClientProps(input);
    expect(out).not.toBe(input);
    expect(out.list[0]).not.toBe(input.list[0]);
  });

  it("types the result as the browser receives it", () => {
    type TRow = {
      at: Date;
      maybe: Date | null;
      id: bigint;
      amount: Prisma.Decimal;
      nested: { list: { when: Date }[] };
      fn: () => void;
      name: string;
    };
    expectTypeOf<TSerialized<TRow>>().toEqualTypeOf<{
      at: string;
      maybe: string | null;
      id: string;
      amount: string;
      nested: { list: { when: string }[] };
      name: string;
    }>();
  });
});
