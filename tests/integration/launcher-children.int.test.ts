import { NODE_TS } from "@/scripts/lib/node-ts";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isAlive } from "@/lib/db/embedded";
import { waitFor } from "./fixtures/execution";

/**
 * `npm start` SIGKILLed: its web server child must not serve on with no worker behind it.
 * The fixture starts its child with the launcher's own spawnTiedNode (scripts/lib/runtime.ts).
 */
describe("children of a SIGKILLed launcher", () => {
  it("the web-server child stops within a few seconds", async () => {
    const launcher = spawn(
      process.execPath,
      [...NODE_TS, "tests/integration/fixtures/tied-launcher.ts"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const [childPid, port] = await new Promise<[number, number]>((resolve, reject) => {
      launcher.stdout!.on("data", (d) => {
        const m = /CHILD (\d+) (\d+)/.exec(String(d));
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
      launcher.once("exit", (code) => reject(new Error(`launcher exited ${code}`)));
    });
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("still serving");
      launcher.kill("SIGKILL");
      const killedAt = Date.now();
      await waitFor(async () => !isAlive(childPid), {
        timeoutMs: 10_000,
        what: "the orphaned child to stop",
      });
      expect(Date.now() - killedAt).toBeLessThan(3_000);
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    } finally {
      launcher.kill("SIGKILL");
      if (isAlive(childPid)) process.kill(childPid, "SIGKILL");
    }
  });
});
