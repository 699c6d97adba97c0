import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, startEmbeddedPostgres } from "@/lib/db/embedded";

/** The launcher's crash path, for real: SIGKILL the process that owns the embedded server. */
describe("embedded PostgreSQL after a SIGKILL", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-crash-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("stops the orphaned postmaster, starts again and keeps every committed row", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "tests/integration/fixtures/embedded-child.ts", dir, "before-crash"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => String(d).includes("READY") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    const orphan = Number(
      fs.readFileSync(path.join(dir, "pg", "postmaster.pid"), "utf8").split("\n")[0],
    );
    expect(isAlive(orphan)).toBe(true);

    const db = await startEmbeddedPostgres({ baseDir: dir });
    try {
      expect(isAlive(orphan)).toBe(false);
      const client = new pg.Client({ connectionString: db.url("postgres") });
      await client.connect();
      const { rows } = await client.query("select note from crash_marker");
      await client.end();
      expect(rows).toEqual([{ note: "before-crash" }]);
    } finally {
      await db.stop();
    }
  });
});
