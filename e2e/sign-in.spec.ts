import { expect, test } from "@playwright/test";
import { demoUser, signIn } from "./helpers";

test("a wrong password gets a clear message and no session", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(demoUser("ops").email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("login-error")).toHaveText("Wrong email or password.");
  const session = await page.request.get("/api/auth/session");
  expect(await session.json()).toEqual({});
  await page.goto("/agents");
  await expect(page).toHaveURL(/\/login/);
});

test("the ops owner sees the agents and the policy matrix", async ({ page }) => {
  await signIn(page, "ops");
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("tab", { name: "Production" }).click();
  const hygiene = page.getByTestId("agent-pipeline-hygiene-bot");
  await expect(hygiene).toContainText("Pipeline hygiene bot");
  await expect(hygiene).toContainText("Mo Manager");
  await expect(hygiene).toContainText("execute");
  await expect(hygiene).toContainText("StageName");
  await expect(page.getByTestId("agent-quote-assistant")).toContainText("propose");
  await page.getByRole("tab", { name: "Staging" }).click();
  await expect(page.getByTestId("agent-quote-assistant")).toContainText("observe");

  await page.getByRole("link", { name: "Policy matrix" }).click();
  // the matrix editor's spec publishes and rolls back (a new version number, the seed's rules)
  await expect(page.getByTestId("matrix-version")).toContainText(/Version \d+ · active/);
  await expect(page.getByTestId("rule-lead.create")).toContainText("Auto");
  await expect(page.getByTestId("rule-lead.convert")).toContainText("RevOps on-call");
  await expect(page.getByTestId("rule-opportunity.change_stage")).toContainText("late-stage");
  await expect(page.getByTestId("rule-opportunity.change_amount_or_close_date")).toContainText(
    "Human-only",
  );
  await expect(page.getByTestId("rule-quote.create")).toContainText("Deal desk");
  // the ops owner is not an admin: no Users link
  await expect(page.getByRole("link", { name: "Users & roles" })).toHaveCount(0);
});

for (const key of ["admin", "ops", "sysowner", "risk", "approver", "vp"]) {
  test(`${key} can sign in and sign out`, async ({ page }) => {
    await signIn(page, key);
    await expect(page.getByRole("link", { name: "Agents" })).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
  });
}
