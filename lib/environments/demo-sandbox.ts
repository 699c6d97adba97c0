import "server-only";
import { db } from "@/lib/db";
import { encryptSecret } from "@/lib/core/secrets";
import { forgetEnvironments } from "./salesforce-connection";
import { DEFAULT_SANDBOX_CREDENTIALS } from "@/lib/connectors/salesforce-sandbox/server-auth";

const LOOPBACK_URL = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/;

/**
 * The demo org's environments talk to the bundled Salesforce sandbox (connection kind
 * `sandbox`). Its port can change between starts, so each start points every environment
 * still on the sandbox (or with no connection at all) at its current URL. An environment an
 * admin pointed elsewhere — a real org, or a sandbox with other credentials — is left alone.
 */
export async function pointDemoEnvironmentsAt(sandboxUrl: string) {
  if (!LOOPBACK_URL.test(sandboxUrl)) {
    throw new Error(`The bundled sandbox must be on loopback, not ${sandboxUrl}`);
  }
  const envs = await db.environment.findMany();
  let updated = 0;
  for (const env of envs) {
    const unconfigured = !env.sfLoginUrl;
    const onSandbox =
      env.connectionKind === "sandbox" &&
      env.sfUsername === DEFAULT_SANDBOX_CREDENTIALS.username &&
      LOOPBACK_URL.test(env.sfLoginUrl ?? "");
    if (!unconfigured && !onSandbox) continue;
    await db.environment.update({
      where: { id: env.id },
      data: {
        connectionKind: "sandbox",
        sfLoginUrl: sandboxUrl,
        sfApiVersion: "62.0",
        sfClientId: DEFAULT_SANDBOX_CREDENTIALS.clientId,
        sfUsername: DEFAULT_SANDBOX_CREDENTIALS.username,
        ...(unconfigured || !env.sfClientSecretEnc
          ? { sfClientSecretEnc: encryptSecret(DEFAULT_SANDBOX_CREDENTIALS.clientSecret) }
          : {}),
        ...(unconfigured || !env.sfPasswordEnc
          ? { sfPasswordEnc: encryptSecret(DEFAULT_SANDBOX_CREDENTIALS.password) }
          : {}),
        sfStatus: env.sfLoginUrl === sandboxUrl ? env.sfStatus : "untested",
      },
    });
    updated++;
  }
  forgetEnvironments();
  return updated;
}
