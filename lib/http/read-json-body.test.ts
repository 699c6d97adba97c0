import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestedDeeperThan, readJsonBody } from "./read-json-body";

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const body = (text: string) => new Request("http://localhost/x", { method: "POST", body: text });

describe("nestedDeeperThan", () => {
  it.each([
    ["flat", "{}", 1, false],
    ["at the limit", deep(32), 32, false],
    ["one past the limit", deep(33), 32, true],
    ["objects count too", '{"a":{"a":{"a":1}}}', 2, true],
    ["brackets in strings are text", JSON.stringify({ t: "[[[[[[" }), 1, false],
    ["escaped quotes stay in the string", JSON.stringify({ t: '\\"[[[[' }), 1, false],
    ["siblings do not add up", "[[],[],[],[]]", 2, false],
  ])("%s", (_n, text, max, expected) => {
    expect(nestedDeeperThan(text, max)).toBe(expected);
  });
});

describe("readJsonBody", () => {
  it("refuses a body 2,000 levels deep with 400 invalid_body", async () => {
    await expect(readJsonBody(body(deep(2000)), { maxBytes: 64 * 1024 })).rejects.toMatchObject({
      status: 400,
      code: "invalid_body",
    });
  });
  it(`accepts ${MAX_JSON_DEPTH} levels`, async () => {
    expect(await readJsonBody(body(deep(MAX_JSON_DEPTH)), { maxBytes: 64 * 1024 })).toBeTruthy();
  });
});
