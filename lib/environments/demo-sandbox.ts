import { db } from "@/lib/db";
import { encryptSecret } from "@/lib/core/secrets";
import { DEFAULT_SANDBOX_CREDENTIALS } from "@/lib/connectors/salesforce-sandbox/server-auth";

/**
 * The demo org's environments talk to the bundled Salesforce sandbox. Its port can change
 * between starts, so each start points every environment still on the sandbox (or with no
 * connection at all) at its current URL. An environment an admin pointed elsewhere is left alone.
 */
export async function pointDemoEnvironmentsAt(sandboxUrl: string) {
  const envs = await db.environment.findMany();
  let updated = 0;
  for (const env of envs) {
    const unconfigured = !env.sfLoginUrl;
    const onSandbox =
      env.sfUsername === DEFAULT_SANDBOX_CREDENTIALS.username &&
      /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(env.sfLoginUrl ?? "");
    if (!unconfigured && !onSandbox) continue;
    await db.environment.update({
      where: { id: env.id },
      data: {
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
  return updated;
}
