import { describe, expect, it } from "vitest";
import { Prisma, preparedQuery } from "@/lib/db";
import { statementName } from "./prepared";

/** The statement names prepared on the connection that runs this very statement. */
const names = (tag: string) => Prisma.sql`select ${tag}::text as tag,
  (select array_agg(name order by name) from pg_prepared_statements) as names`;

describe("preparedQuery", () => {
  it("runs a fixed text as a statement named by its hash, the same one for every call", async () => {
    const q = names("a");
    for (let i = 0; i < 12; i++) {
      // past 5 runs PostgreSQL may switch to a generic plan: the answers stay the same
      const [row] = await preparedQuery<{ tag: string; names: string[] }>(names(`call ${i}`));
      expect(row.tag).toBe(`call ${i}`);
      expect(row.names).toContain(statementName(q.text));
    }
  });

  it("binds null and a value to the same cast parameter alike", async () => {
    const q = (v: string | null) =>
      Prisma.sql`select ${v}::timestamptz at time zone 'UTC' as at, ${v === null ? null : 1}::int as n`;
    expect(q(null).text).toBe(q("2026-01-01T00:00:00Z").text);
    for (const v of [
      null,
      "2026-01-01T00:00:00Z",
      null,
      "2026-06-01T12:00:00Z",
      null,
      null,
      null,
    ]) {
      const [row] = await preparedQuery<{ at: Date | null; n: number | null }>(q(v));
      expect(row.at?.toISOString() ?? null).toBe(v === null ? null : new Date(v).toISOString());
      expect(row.n).toBe(v === null ? null : 1);
    }
  });

  it("fails only the call whose value pg cannot bind: the text stays usable", async () => {
    const q = (v: unknown) => Prisma.sql`select ${v}::text as v`;
    const bad = {
      toPostgres() {
        throw new Error("cannot bind");
      },
    };
    // pg closes a named statement whose bind throws yet still takes it as submitted: a
    // connection kept after that would answer "prepared statement … does not exist" forever
    for (let i = 0; i < 3; i++) {
      await expect(preparedQuery(q(bad))).rejects.toThrow("cannot bind");
      const [row] = await preparedQuery<{ v: string }>(q(`ok ${i}`));
      expect(row.v).toBe(`ok ${i}`);
    }
  });
});
