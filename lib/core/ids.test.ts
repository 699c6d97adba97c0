import { describe, expect, it } from "vitest";
import { prefixedId } from "./ids";

describe("prefixedId", () => {
  it.each([
    [12, 16],
    [8, 11],
    [5000, 6667],
  ])("%i random bytes make %i URL-safe characters after the prefix", (bytes, chars) => {
    const id = prefixedId("ar", bytes);
    expect(id).toMatch(new RegExp(`^ar_[A-Za-z0-9_-]{${chars}}$`));
  });

  it("never repeats, across many refills of its random pool", () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => prefixedId("x", i % 2 ? 12 : 7));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
