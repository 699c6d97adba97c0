// A sandbox whose org lives in a JSON snapshot: loaded at start, written shortly after every
// change and on stop, so restarts keep the org. Used by the CLI and by `npm start`.
import { seedDemoData } from "./demo-data";
import { createSandboxServer, type SandboxServer, type SandboxServerOptions } from "./server";
import { SandboxStore } from "./store";
import { readSnapshotFile, writeSnapshotFile } from "./store-snapshot";

const PERSIST_DEBOUNCE_MS = 250;

export interface PersistentSandbox {
  server: SandboxServer;
  /** how the org came to be: loaded from the file, seeded, or empty */
  origin: string;
  /** save the org now */
  persist(): Promise<void>;
  /** save the org and close the server */
  stop(): Promise<void>;
}

export async function startPersistentSandbox(
  options: Omit<SandboxServerOptions, "store" | "seed"> & {
    stateFile?: string;
    seed?: "demo" | "none";
    reset?: boolean;
  },
): Promise<PersistentSandbox> {
  const { stateFile, seed, reset, ...serverOptions } = options;
  const store = new SandboxStore();
  const snapshot = stateFile ? await readSnapshotFile(stateFile) : undefined;
  // A saved org always wins (restarts keep state); `seed` only shapes a fresh one, and
  // `reset` discards the saved org first.
  let origin: string;
  if (snapshot && !reset) {
    store.loadSnapshot(snapshot);
    origin = `loaded from ${stateFile}`;
  } else if (seed === "demo") {
    seedDemoData(store, { now: new Date() });
    origin = "seeded with demo data";
  } else {
    origin = "empty (built-in users only)";
  }
  const server = await createSandboxServer({ ...serverOptions, store });

  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const persist = () => {
    if (!stateFile) return writing;
    const snap = store.toSnapshot();
    // Chain writes so an older snapshot can never land after a newer one.
    writing = writing
      .then(() => writeSnapshotFile(stateFile, snap))
      .catch((err) => console.error("[sf-sandbox] persist failed:", err));
    return writing;
  };
  store.onChange(() => {
    clearTimeout(timer);
    timer = setTimeout(persist, PERSIST_DEBOUNCE_MS);
  });
  await persist();

  return {
    server,
    origin,
    persist,
    async stop() {
      clearTimeout(timer);
      await persist();
      await server.close();
    },
  };
}
