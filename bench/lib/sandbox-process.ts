import { NODE_TS } from "../../scripts/lib/node-ts";
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "@/lib/db/embedded";

/**
 * The Salesforce sandbox as its own process on loopback (demo data, nothing persisted, a daily
 * API limit no bench reaches), so a bench measures real HTTP and not an in-process shortcut.
 * `control`: its /__sandbox/ routes too (GET /__sandbox/state counts the writes it took).
 */
export async function startSandboxProcess(
  opts: { control?: boolean } = {},
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...NODE_TS,
      "lib/connectors/salesforce-sandbox/cli.ts",
      "--port",
      String(port),
      "--seed",
      "demo",
      "--no-persist",
      "--daily-limit",
      "100000000",
      ...(opts.control ? ["--control"] : []),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => String(d).includes("listening") && resolve());
    child.on("exit", (code) => reject(new Error(`the sandbox exited (${code})`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  return { url: `http://127.0.0.1:${port}`, child, stop };
}

/**
 * The demo org (no seeded history) in the bench's database, the sandbox as its own process, every
 * demo environment pointed at it, and a connector to it: what the execution benches start from.
 */
export async function demoOrgOnSandbox(opts: { control?: boolean } = {}) {
  const [{ seedDemoOrg }, { pointDemoEnvironmentsAt }, { SalesforceConnector }, sandboxLib] =
    await Promise.all([
      import("@/lib/seed/seed-demo-org"),
      import("@/lib/environments"),
      import("@/lib/connectors/salesforce"),
      import("@/lib/connectors/salesforce-sandbox"),
    ]);
  await seedDemoOrg({ history: false });
  const sandbox = await startSandboxProcess(opts);
  try {
    await pointDemoEnvironmentsAt(sandbox.url);
  } catch (e) {
    await sandbox.stop();
    throw e;
  }
  const sf = new SalesforceConnector({
    loginUrl: sandbox.url,
    apiVersion: "62.0",
    ...sandboxLib.DEFAULT_SANDBOX_CREDENTIALS,
  });
  return { sandbox, sf };
}
