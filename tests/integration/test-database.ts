import crypto from "node:crypto";
import path from "node:path";
import type { EmbeddedDb } from "@/lib/db/embedded";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { dropDatabase, ensureDatabase, migrateDeploy, withDatabaseName } from "@/lib/db/admin";

/**
 * A fresh, migrated database for one test run: on DATABASE_URL's server if set, else on an
 * embedded PostgreSQL under .data/test-pg. Refuses anything but a local server.
 */
export async function createTestDatabase(label: string) {
  let embedded: EmbeddedDb | null = null;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    embedded = await startEmbeddedPostgres({
      baseDir: path.join(process.cwd(), ".data", "test-pg"),
    });
    serverUrl = embedded.url("postgres");
  }
  const host = new URL(serverUrl).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    throw new Error(`Refusing to run tests against a non-local database (${host})`);
  }
  const name = `tollgate_${label}_${Date.now().toString(36)}_${crypto.randomBytes(3).toString("hex")}`;
  const url = withDatabaseName(serverUrl, name);
  await ensureDatabase(url);
  await migrateDeploy(url);
  return {
    url,
    serverUrl,
    async drop() {
      await dropDatabase(url).catch((e) => console.error("could not drop test database", e));
      await embedded?.stop();
    },
  };
}
