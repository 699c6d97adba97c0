import { expect, test, type Page } from "@playwright/test";
import { SSO_ACCOUNTS, SSO_NAME } from "./fixtures/sso";
import { signIn } from "./helpers";

// Single sign-on through the real OpenID provider scripts/e2e.ts runs on 127.0.0.1.

/** "Sign in with …", then the provider's own login page. */
async function signInWithSso(page: Page, email: string) {
  await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).click();
  await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
}

test("a first sign-in through the provider lands in the console with the claim's role", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(e.message));

  // a deep link survives the round trip through the provider
  await page.goto("/inbox");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Finbox/);
  await signInWithSso(page, SSO_ACCOUNTS.ops.email);
  await expect(page).toHaveURL(/\/inbox$/);
  await expect(page.getByTestId("current-user")).toHaveText(SSO_ACCOUNTS.ops.name);

  // ops_owner from the claim (the unknown value granted nothing): the matrix, not Users & roles
  await expect(page.getByRole("link", { name: "Policy matrix" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Users & roles" })).toHaveCount(0);
  await page.goto("/settings/users");
  await expect(page).toHaveURL(/\/forbidden\?need=users%3Aread/);

  // the same session as a password sign-in: sign-out ends it
  await page.goto("/agents");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/agents");
  await expect(page).toHaveURL(/\/login/);
  expect(violations).toEqual([]);
});

test("an email the provider has not verified is refused with a clear message", async ({ page }) => {
  await page.goto("/login");
  await signInWithSso(page, SSO_ACCOUNTS.unverified.email);
  await expect(page).toHaveURL(/\/login\?.*error=SsoEmailUnverified/);
  await expect(page.getByTestId("login-error")).toContainText(
    "has not verified your email address",
  );
  expect(await (await page.request.get("/api/auth/session")).json()).toEqual({});
});

test("a forged ?error= shows a fixed message, never the query's text", async ({ page }) => {
  await page.goto("/login?error=Call%20the%20helpdesk%20at%20evil.example");
  await expect(page.getByTestId("login-error")).toHaveText("Sign-in failed. Try again.");
});

test("a person with no roles sees 'No access yet' until an admin gives them one", async ({
  page,
  browser,
}) => {
  await page.goto("/login");
  await signInWithSso(page, SSO_ACCOUNTS.noRoles.email);
  await expect(page).toHaveURL(/\/forbidden/);
  await expect(page.getByRole("heading", { name: "No access yet" })).toBeVisible();
  await expect(page.getByTestId("no-roles")).toContainText(SSO_ACCOUNTS.noRoles.email);

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin");
  await admin.goto("/settings/users");
  const row = admin.getByTestId(`user-${SSO_ACCOUNTS.noRoles.email}`);
  await expect(row).toContainText("none");
  await row.getByRole("button", { name: `Edit roles of ${SSO_ACCOUNTS.noRoles.name}` }).click();
  const dialog = admin.getByRole("dialog", { name: `Roles of ${SSO_ACCOUNTS.noRoles.name}` });
  await dialog.getByLabel("Leadership (viewer)").check();
  await dialog.getByRole("button", { name: "Save roles" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("Leadership (viewer)");
  await admin.context().close();

  // roles are read on every request: the same session now sees the console
  await page.goto("/agents");
  await expect(page.getByTestId("current-user")).toHaveText(SSO_ACCOUNTS.noRoles.name);
});
