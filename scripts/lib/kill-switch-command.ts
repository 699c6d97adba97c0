import { parseArgs } from "node:util";

export const KILL_SWITCH_USAGE =
  "       npm run tollgate -- kill-switch (trip|reset) --scope global|environment|agent|workflow [--target slug|id|key] --reason text --as <admin email>";

/**
 * kill-switch trip|reset: flip a switch as the console does, as the person `--as` names (an
 * admin). A trip's answer comes once every live web server and worker has confirmed it (at most
 * about a second); instances that did not are listed, and the command exits 3 — tripped, but
 * not confirmed everywhere. Exits 1 on a refusal (unknown target, not engaged, not an admin).
 */
export async function killSwitchCommand(
  action: string | undefined,
  rest: string[],
  withDatabase: (run: () => Promise<void>) => Promise<void>,
  usage: string,
) {
  const { values } = parseArgs({
    args: rest,
    options: {
      scope: { type: "string" },
      target: { type: "string" },
      reason: { type: "string" },
      as: { type: "string" },
    },
    strict: true,
  });
  if ((action !== "trip" && action !== "reset") || !values.scope || !values.as) {
    console.error(usage);
    process.exit(2);
  }
  await withDatabase(async () => {
    const { killSwitchOperator } = await import("@/lib/guardrails/operator");
    const { resetKillSwitch, tripKillSwitch } = await import("@/lib/guardrails");
    const { describePropagation } = await import("@/components/kill-switch-propagation");
    const user = await killSwitchOperator(values.as!);
    const input = {
      scope: values.scope as "global",
      ...(values.target ? { target: values.target } : {}),
      reason: values.reason ?? "",
    };
    if (action === "reset") {
      const sw = await resetKillSwitch(input, user.id);
      console.log(`reset: the ${sw.label} kill switch is off; halted requests stay halted`);
      return;
    }
    const sw = await tripKillSwitch(input, user.id);
    const reach = describePropagation(sw.propagation);
    console.log(`tripped: the ${sw.label} kill switch; ${sw.halted} queued requests halted`);
    console.log(reach.summary);
    for (const line of reach.silent) console.log(`  - ${line}`);
    if (reach.silent.length) process.exitCode = 3;
  });
}
