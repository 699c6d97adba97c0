import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, ensureDatabase, migrateDeploy, withDatabaseName } from "@/lib/db/admin";
import { queryRows } from "./fixtures/pg";

const SCALARS = new Set([
  "String",
  "Int",
  "Boolean",
  "DateTime",
  "Json",
  "BigInt",
  "Float",
  "Decimal",
  // a column of a type Prisma has no name for: Unsupported("xid8")
  "Unsupported",
]);

/** model → scalar/enum column names, read from prisma/schema.prisma. */
function schemaColumns(): Map<string, Set<string>> {
  const text = fs.readFileSync(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");
  const enums = new Set([...text.matchAll(/^enum (\w+)/gm)].map((m) => m[1]));
  const models = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const cols = new Set<string>();
    for (const line of m[2].split("\n")) {
      const f = line.trim().match(/^(\w+)\s+(\w+)(\[\])?\??/);
      if (f && (SCALARS.has(f[2]) || enums.has(f[2]))) cols.add(f[1]);
    }
    models.set(m[1], cols);
  }
  return models;
}

describe("migrations", () => {
  const url = withDatabaseName(
    process.env.TOLLGATE_TEST_SERVER_URL!,
    `tollgate_mig_${Date.now().toString(36)}`,
  );
  afterAll(() => dropDatabase(url));

  it("apply from an empty database and match the Prisma schema", async () => {
    await ensureDatabase(url);
    await migrateDeploy(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const applied = await client.query(
        `select migration_name from _prisma_migrations where finished_at is not null order by migration_name`,
      );
      const folders = fs
        .readdirSync(path.join(process.cwd(), "prisma", "migrations"))
        .filter((d) =>
          fs.statSync(path.join(process.cwd(), "prisma", "migrations", d)).isDirectory(),
        )
        .sort();
      expect(applied.rows.map((r) => r.migration_name)).toEqual(folders);

      const { rows } = await client.query(
        `select table_name, column_name from information_schema.columns where table_schema = 'public'`,
      );
      const actual = new Map<string, Set<string>>();
      for (const r of rows) {
        if (!actual.has(r.table_name)) actual.set(r.table_name, new Set());
        actual.get(r.table_name)!.add(r.column_name);
      }
      const expected = schemaColumns();
      expect(expected.size).toBeGreaterThan(25);
      for (const [model, cols] of expected) {
        expect(actual.has(model), `table ${model}`).toBe(true);
        expect([...actual.get(model)!].sort(), `columns of ${model}`).toEqual([...cols].sort());
      }
    } finally {
      await client.end();
    }
  });

  it("is idempotent: deploying again changes nothing", async () => {
    await migrateDeploy(url, { force: true });
    const rows = await queryRows(url, `select count(*)::int as n from _prisma_migrations`);
    expect(rows[0].n).toBe(
      fs
        .readdirSync(path.join(process.cwd(), "prisma", "migrations"))
        .filter((d) => !d.endsWith(".toml")).length,
    );
  });
});
