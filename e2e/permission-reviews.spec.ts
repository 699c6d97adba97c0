import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

// lead-enrichment-bot in dev (no other spec reviews it): the review keeps the set, so nothing
// another spec relies on changes
test("a risk owner keeps an agent's permission set after its review", async ({ page }) => {
  await signIn(page, "risk");
  await page.goto("/agents?env=dev");
  await page
    .getByTestId("agent-lead-enrichment-bot")
    .getByRole("link", { name: "Lead enrichment bot" })
    .click();
  const row = page.getByTestId("review-lead-enrichment");
  await expect(row).toContainText("Lead enrichment");
  await row.getByRole("button", { name: "Review" }).click();
  const form = page.getByRole("form", { name: "Permission review" });
  await form.getByLabel("Next review in (days)").fill("0");
  await form.getByRole("button", { name: "Record review" }).click();
  await expect(form.getByText("At least 1 day")).toBeVisible();
  await expect(form.getByText("Say why (at least 3 characters)")).toBeVisible();

  await form.getByLabel("Next review in (days)").fill("30");
  await form.getByLabel("Notes").fill("e2e: still enriching inbound leads");
  await form.getByRole("button", { name: "Record review" }).click();
  await expect(form).toBeHidden();
  await expect(row).toContainText("kept");
  await expect(row).toContainText("by Rita Risk");
  await expect(row).not.toContainText("overdue");
});
