import { defineConfig } from "@playwright/test";
// a spec or helper that imports a lib/ service loads it here and in the workers (see the file)
import "./scripts/lib/outside-next.cjs";

const PORT = Number(process.env.E2E_PORT ?? 3100);

// Debian's Chromium (never `playwright install`); the network flags keep it off the closed network.
export default defineConfig({
  testDir: "e2e",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    // the production server as `npm start` runs it (scripts/serve.ts: Next, and the agent API's door)
    command: `node --require ./scripts/lib/outside-next.cjs --import tsx scripts/serve.ts --port ${PORT} --host 127.0.0.1`,
    url: `http://localhost:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-secret-not-for-production",
      NEXTAUTH_URL: `http://localhost:${PORT}`,
      NEXT_TELEMETRY_DISABLED: "1",
      TOLLGATE_SECRET_KEY: process.env.TOLLGATE_SECRET_KEY ?? "e2e-secret-key-not-for-production",
    },
  },
});
