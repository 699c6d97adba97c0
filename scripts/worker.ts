/**
 * `npm run worker`: an execution worker on its own, for another machine (or another process)
 * sharing Tollgate's database. Needs DATABASE_URL and the same TOLLGATE_SECRET_KEY as the web
 * server (it decrypts the Salesforce credentials); on the machine `npm start` runs on, the key
 * is read from .data/secret-key when the variable is not set.
 */
import fs from "node:fs";
import path from "node:path";
import { checkEnv, env, setEnv } from "@/lib/env";
import { DATA_DIR, log } from "./lib/runtime";

const fail = (message: string) => {
  console.error(`${message}\nSee .env.example for every variable and its default.`);
  process.exit(2);
};

async function main() {
  const bad = checkEnv(["DATABASE_URL"]);
  if (bad) fail(bad);
  const keyFile = path.join(DATA_DIR, "secret-key");
  if (!env().TOLLGATE_SECRET_KEY && fs.existsSync(keyFile)) {
    // beside `npm start`, the demo environments are the bundled sandbox on loopback: allow it
    // as npm start does, or this worker would dead-letter their work as refused destinations
    setEnv({
      TOLLGATE_SECRET_KEY: fs.readFileSync(keyFile, "utf8").trim(),
      TOLLGATE_ALLOW_LOOPBACK: "1",
    });
  }
  const noKey = checkEnv(["TOLLGATE_SECRET_KEY"]);
  if (noKey) fail(noKey);
  // the key that signs audit checkpoints (this worker may lead the sealer): the configured one,
  // else .data/audit-signing-key.pem, made if missing
  const { loadSigningKey } = await import("@/lib/audit/signing-key");
  try {
    log(`audit checkpoints are signed with key ${loadSigningKey({ create: true }).keyId}`);
  } catch (e) {
    fail((e as Error).message);
  }
  const { startWorker } = await import("@/lib/execution/worker");
  const { disconnectDb } = await import("@/lib/db");
  // concurrency: TOLLGATE_WORKER_CONCURRENCY, read by startWorker through lib/env
  const worker = await startWorker();
  log(`worker ${worker.workerId} is running; Ctrl-C stops it`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
