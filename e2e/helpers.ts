import { expect, type Page } from "@playwright/test";
import { DEMO_USERS } from "../lib/seed/demo-fixtures";

export function demoUser(key: string) {
  const u = DEMO_USERS.find((d) => d.key === key);
  if (!u) throw new Error(`no demo user ${key}`);
  return u;
}

export async function signIn(page: Page, key: string) {
  const u = demoUser(key);
  await page.goto("/login");
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password").fill(u.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("current-user")).toHaveText(u.name);
}

/**
 * Headers a console page's own fetch carries: state-changing console routes refuse requests
 * whose Origin is not the console's (CSRF), and Playwright's API client sends none by itself.
 */
export const fromConsole = { origin: `http://localhost:${process.env.E2E_PORT ?? 3100}` };
