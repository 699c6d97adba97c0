/**
 * `npm run test:e2e`: a fresh database seeded with the demo org, a production build, then
 * Playwright against the production server (scripts/serve.ts) in Debian's Chromium. The database is dropped afterwards.
 */
import path from "node:path";
import { createTestDatabase } from "../tests/integration/test-database";
import { childEnv, setEnv } from "@/lib/env";
import { buildIfNeeded, run } from "./lib/runtime";

async function main() {
  await buildIfNeeded();
  const database = await createTestDatabase("e2e");
  let code = 0;
  let sandbox: { close(): Promise<void> } | undefined;
  let idp: { close(): Promise<void> } | undefined;
  let worker: { stop(): Promise<void> } | undefined;
  try {
    setEnv({ DATABASE_URL: database.url }, { force: true });
    // the sandbox is on loopback; the server inherits both
    setEnv({
      TOLLGATE_SECRET_KEY: "e2e-secret-key-not-for-production",
      TOLLGATE_ALLOW_LOOPBACK: "1",
      // the workflows spec moves the demo's canary by hand, and its seeded history sits at the
      // edge of the canary criteria: other specs' writes would have Tollgate roll it back
      // underneath (the automatic rollback is tested in phase-gates.int)
      TOLLGATE_CANARY_MANUAL_ONLY: "1",
    });
    // single sign-on against a real OpenID provider on loopback, up before the app server
    const { startOidcProvider } = await import("../tests/integration/fixtures/oidc-provider");
    const sso = await import("../e2e/fixtures/sso");
    const provider = await startOidcProvider({
      clients: [{ ...sso.SSO_CLIENT, redirectUris: [sso.SSO_REDIRECT_URI] }],
      rolesClaim: sso.SSO_ROLES_CLAIM,
      accounts: Object.values(sso.SSO_ACCOUNTS).map((a) => ({ ...a, roles: [...a.roles] })),
    });
    idp = provider;
    setEnv(
      {
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: sso.SSO_CLIENT.clientId,
        OIDC_CLIENT_SECRET: sso.SSO_CLIENT.clientSecret,
        OIDC_NAME: sso.SSO_NAME,
        OIDC_ROLES_CLAIM: sso.SSO_ROLES_CLAIM,
      },
      { force: true },
    );
    const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
    const { pointDemoEnvironmentsAt } = await import("@/lib/environments");
    const { createSandboxServer } = await import("@/lib/connectors/salesforce-sandbox");
    await seedDemoOrg();
    // the demo environments' Salesforce, with test-control routes for the specs
    const server = await createSandboxServer({ seed: "demo", control: true });
    sandbox = server;
    await pointDemoEnvironmentsAt(server.url);
    const { prepareE2eFixtures } = await import("../e2e/fixtures/prepare");
    const fixtures = JSON.stringify(await prepareE2eFixtures(server.url));
    // approved work executes during the specs, as under `npm start`
    const { startWorker } = await import("@/lib/execution/worker");
    worker = await startWorker({ log: () => {} });
    const cli = path.join(process.cwd(), "node_modules", "@playwright", "test", "cli.js");
    // the specs' own variables (tests/, e2e/ and playwright.config.ts read process.env)
    await run(
      process.execPath,
      [cli, "test", ...process.argv.slice(2)],
      childEnv({ E2E_SANDBOX_URL: server.url, E2E_FIXTURES: fixtures }),
    );
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    code = 1;
  } finally {
    await worker?.stop();
    const { disconnectDb } = await import("@/lib/db");
    await disconnectDb();
    await sandbox?.close();
    await idp?.close();
    await database.drop();
  }
  process.exit(code);
}

void main();
