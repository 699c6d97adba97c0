import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The agent contract lives in the repository (docs/agent-api.md) so a clone is complete; the
// team's copy sits beside the checkout (../shared/API.md, as in CI). They must not drift.
const inRepo = path.join(process.cwd(), "docs", "agent-api.md");
const shared = path.join(process.cwd(), "..", "shared", "API.md");

describe("docs/agent-api.md", () => {
  it("exists and names the base path", () => {
    expect(fs.readFileSync(inRepo, "utf8")).toContain("Base path `/api/agent/v1`");
  });

  it.skipIf(!fs.existsSync(shared))("says what ../shared/API.md says", () => {
    const norm = (s: string) => s.replace(/\r\n/g, "\n").trimEnd();
    expect(norm(fs.readFileSync(inRepo, "utf8"))).toBe(norm(fs.readFileSync(shared, "utf8")));
  });
});
