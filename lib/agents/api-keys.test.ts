import { describe, expect, it } from "vitest";
import { hashApiKey, parseApiKey } from "./api-keys";

describe("API key format", () => {
  const good = "tg_prod_" + "A".repeat(10) + "b".repeat(30);
  it.each([
    [good, { env: "prod", prefix: "tg_prod_AAAAAAAAAA" }],
    ["tg_staging_" + "x9".repeat(20), { env: "staging", prefix: "tg_staging_x9x9x9x9x9" }],
    ["tg_prod_short", null],
    ["tg_prod_" + "A".repeat(41), null],
    ["tg__" + "A".repeat(40), null],
    ["sk_prod_" + "A".repeat(40), null],
    ["tg_prod_" + "A".repeat(39) + "!", null],
    ["tg_PROD_" + "A".repeat(40), null],
    ["", null],
  ])("%s", (key, expected) => {
    expect(parseApiKey(key)).toEqual(expected);
  });

  it("hashes with sha256, hex", () => {
    expect(hashApiKey(good)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(good)).not.toBe(hashApiKey(good + "x"));
  });
});
