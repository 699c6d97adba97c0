/**
 * `npm run worker`: an execution worker on its own, for another machine (or another process)
 * sharing Tollgate's database. Needs DATABASE_URL and the same TOLLGATE_SECRET_KEY as the web
 * server (it decrypts the Salesforce credentials); on the machine `npm start` runs on, the key
 * is read from .data/secret-key when the variable is not set.
 */
import fs from "node:fs";
import path from "node:path";
import { DATA_DIR, log } from "./lib/runtime";

async function main() {
  if (!process.env.DATABASE_URL) {
    console.error("DATABASE_URL is not set: point it at the database Tollgate's web server uses.");
    process.exit(2);
  }
  const keyFile = path.join(DATA_DIR, "secret-key");
  if (!process.env.TOLLGATE_SECRET_KEY && fs.existsSync(keyFile)) {
    process.env.TOLLGATE_SECRET_KEY = fs.readFileSync(keyFile, "utf8").trim();
    // beside `npm start`, the demo environments are the bundled sandbox on loopback: allow it
    // as npm start does, or this worker would dead-letter their work as refused destinations
    process.env.TOLLGATE_ALLOW_LOOPBACK ??= "1";
  }
  if (!process.env.TOLLGATE_SECRET_KEY) {
    console.error("TOLLGATE_SECRET_KEY is not set: use the web server's key.");
    process.exit(2);
  }
  const { startWorker } = await import("@/lib/execution/worker");
  const { disconnectDb } = await import("@/lib/db");
  const worker = await startWorker({
    concurrency: process.env.TOLLGATE_WORKER_CONCURRENCY
      ? Number(process.env.TOLLGATE_WORKER_CONCURRENCY)
      : undefined,
  });
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
