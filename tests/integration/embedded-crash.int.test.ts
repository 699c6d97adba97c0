import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, startEmbeddedPostgres } from "@/lib/db/embedded";
import { waitFor } from "./fixtures/execution";
import { queryRows } from "./fixtures/pg";

/** The launcher's crash path, for real: SIGKILL the process that owns the embedded server. */
describe("embedded PostgreSQL after a SIGKILL", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-crash-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Start the fixture, let it commit a row, SIGKILL it; the postmaster's pid. */
  async function crash(baseDir: string, ...flags: string[]): Promise<number> {
    const child = spawn(
      process.execPath,
      [...NODE_TS, "tests/integration/fixtures/embedded-child.ts", baseDir, "before-crash"].concat(
        flags,
      ),
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => String(d).includes("READY") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    return Number(
      fs.readFileSync(path.join(baseDir, "pg", "postmaster.pid"), "utf8").split("\n")[0],
    );
  }

  it("stops the orphaned postmaster, starts again and keeps every committed row", async () => {
    const orphan = await crash(dir);
    expect(isAlive(orphan)).toBe(true);

    const db = await startEmbeddedPostgres({ baseDir: dir });
    try {
      expect(isAlive(orphan)).toBe(false);
      expect(await queryRows(db.url("postgres"), "select note from crash_marker")).toEqual([
        { note: "before-crash" },
      ]);
    } finally {
      await db.stop();
    }
  });

  it("as the launcher starts it, the postmaster shuts down within seconds of a SIGKILL", async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-crash-watched-"));
    try {
      const postmaster = await crash(own, "--stop-with-process");
      await waitFor(async () => !isAlive(postmaster), {
        timeoutMs: 15_000,
        what: "the postmaster to stop",
      });
      const db = await startEmbeddedPostgres({ baseDir: own });
      try {
        expect(await queryRows(db.url("postgres"), "select note from crash_marker")).toEqual([
          { note: "before-crash" },
        ]);
      } finally {
        await db.stop();
      }
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });
});
