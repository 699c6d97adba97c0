import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

/** An ops owner reconciles production now and reads the run's figures and findings. */
test("ops runs a reconciliation of production and reads its findings", async ({ page }) => {
  await signIn(page, "ops");
  await page.getByRole("link", { name: "Reconciliation" }).click();
  await expect(page.getByRole("heading", { name: "Reconciliation", level: 1 })).toBeVisible();
  await page.getByLabel("Environment").selectOption({ label: "Production" });
  await page.getByLabel("Hours back").fill("48");
  await page.getByRole("button", { name: "Run now" }).click();
  const findings = page.getByRole("heading", { name: /Findings of the Production run/ });
  await expect(findings).toBeVisible({ timeout: 30_000 });
  const runs = page.getByRole("table", { name: "Reconciliation runs" });
  const row = runs.locator("tbody tr").first();
  await expect(row).toContainText("Production");
  await expect(row).toContainText("Olive Ops");
  // the e2e fixtures wrote (and maybe reverted) a stage in production within the window
  const checked = Number(await row.locator("td").nth(4).textContent());
  expect(checked).toBeGreaterThanOrEqual(1);
  // a bad window is refused with the server's words, nothing run
  await page.getByLabel("Hours back").fill("0");
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "at least 1 hour" })).toBeVisible();
});
