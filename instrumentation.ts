/**
 * Next.js calls `register` once when a server process starts, before it serves a request:
 * every web server joins the registry of live instances and opens its kill-switch LISTEN
 * connection (lib/health/start-instance.ts), so a trip reaches it at once.
 */
export async function register() {
  // NEXT_RUNTIME is Next's own (inlined at build time); only the Node.js server runs this
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startWebInstance } = await import("@/lib/health/start-instance");
  await startWebInstance();
}

/**
 * The production server (scripts/serve.ts) calls this from Next's compiled copy of this file when
 * it stops: the registry row goes before the process exits. Stopping twice is harmless.
 */
export async function stopInstance() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startWebInstance } = await import("@/lib/health/start-instance");
  await (await startWebInstance())?.stop();
}
