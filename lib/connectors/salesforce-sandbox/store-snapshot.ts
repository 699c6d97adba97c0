// State that must survive a restart: every record (deleted ones too, for queryAll) and the
// id sequences, so a restarted sandbox never hands out an id twice.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile, unlink } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { StoredRecord } from "./field-values";
import { makeSalesforceId } from "./ids";

/** Users every sandbox org has, seeded or not: the API user and a human to edit as. */
const BASE_POD = "1t";
export const INTEGRATION_USER_ID = makeSalesforceId("005", 1, BASE_POD);
export const HUMAN_USER_ID = makeSalesforceId("005", 2, BASE_POD);

export const BASE_USERS = [
  {
    Id: INTEGRATION_USER_ID,
    Username: "integration@tollgate.sandbox",
    FirstName: "Tollgate",
    LastName: "Integration",
    Email: "integration@tollgate.sandbox",
    Alias: "tgint",
    Title: "Integration User",
    Department: "Systems",
  },
  {
    Id: HUMAN_USER_ID,
    Username: "morgan.reyes@tollgate.sandbox",
    FirstName: "Morgan",
    LastName: "Reyes",
    Email: "morgan.reyes@tollgate.sandbox",
    Alias: "mreyes",
    Title: "Sales Operations Manager",
    Department: "Sales Operations",
  },
] as const;

const ZFieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const ZStoreSnapshot = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  sequences: z.record(z.string(), z.number().int().nonnegative()),
  objects: z.record(z.string(), z.array(z.record(z.string(), ZFieldValue))),
});

export type StoreSnapshot = z.infer<typeof ZStoreSnapshot> & {
  objects: Record<string, StoredRecord[]>;
};

export function parseSnapshot(input: unknown): StoreSnapshot {
  const result = ZStoreSnapshot.safeParse(input);
  if (!result.success) throw new Error(`invalid sandbox snapshot: ${result.error.message}`);
  return result.data;
}

/** Write to a temp file in the same directory, then rename: readers see old or new, never half. */
export async function writeSnapshotFile(file: string, snapshot: StoreSnapshot): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(snapshot), { encoding: "utf8", flush: true });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export async function readSnapshotFile(file: string): Promise<StoreSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return parseSnapshot(JSON.parse(text));
}
