import type { TestProject } from "vitest/node";
import { generateClient } from "@/lib/db/admin";
import { createTestDatabase } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    serverUrl: string;
  }
}

/** One fresh migrated database per integration run, dropped at the end. */
export default async function setup(project: TestProject) {
  await generateClient();
  const database = await createTestDatabase("it");
  project.provide("databaseUrl", database.url);
  project.provide("serverUrl", database.serverUrl);
  return async () => database.drop();
}
