import { expect, test } from "@playwright/test";
import { SalesforceConnector } from "../lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS } from "../lib/connectors/salesforce-sandbox/server-auth";
import type { TE2eFixtures } from "./fixtures/prepare";
import { signIn } from "./helpers";

/**
 * A bulk backout end to end: a person edits one of the agent's amounts in Salesforce; the ops
 * owner selects the agent's amount and close date writes in their window and runs the dry run
 * (5 fields to restore, the edited amount a conflict); the planner cannot start it; an admin
 * starts it and watches the progress reach done; Salesforce holds the values before the writes,
 * except the amount the person edited.
 */
test("ops plans a backout of an agent's writes; an admin starts it and it restores them", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const { backout } = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  const sf = new SalesforceConnector({
    loginUrl: process.env.E2E_SANDBOX_URL!,
    apiVersion: "62.0",
    ...DEFAULT_SANDBOX_CREDENTIALS,
  });
  const read = async (id: string) =>
    (await sf.read("Opportunity", id, ["Amount", "CloseDate"])).record;
  for (const r of backout.records) {
    expect(await read(r.recordId)).toMatchObject({
      Amount: r.amountWritten,
      CloseDate: r.closeWritten,
    });
  }
  // a person changes one amount after the agent wrote it: the backout must leave it alone
  const edited = backout.records[2];
  const humanAmount = edited.amountWritten + 7;
  const edit = await fetch(`${process.env.E2E_SANDBOX_URL}/__sandbox/human-edit`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      object: "Opportunity",
      id: edited.recordId,
      fields: { Amount: humanAmount },
    }),
  });
  expect(edit.status).toBe(200);

  await signIn(page, "ops");
  await page.getByRole("link", { name: "Requests", exact: true }).click();
  await page.getByRole("link", { name: "Back out…" }).click();
  await expect(page).toHaveURL(/\/backouts/);
  const form = page.getByRole("form", { name: "New backout" });
  const select = async () => {
    await form.getByLabel("Environment").selectOption({ label: "Production" });
    await form.getByLabel("Agent").selectOption({ label: "Pipeline hygiene bot" });
    await form.getByLabel("Action type").selectOption({ label: "Change amount / close date" });
    await form.getByLabel("From (UTC)").fill(backout.from.slice(0, 16));
    await form.getByLabel("To (UTC)").fill(backout.to.slice(0, 16));
  };
  await select();
  // no reason: the server's word shows under the field, nothing is planned
  await form.getByRole("button", { name: "Run the dry run" }).click();
  await expect(form.getByLabel("Why back these writes out?")).toHaveAttribute(
    "aria-invalid",
    "true",
  );
  await expect(form.getByRole("alert")).toContainText("Say why these writes are backed out");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`backouts-form-${width}.png`) });
  }
  await form
    .getByLabel("Why back these writes out?")
    .fill("The quarter-end clean-up moved the wrong amounts");
  await form.getByRole("button", { name: "Run the dry run" }).click();
  await expect(page).toHaveURL(/\/backouts\/bo_/, { timeout: 30_000 });
  const url = page.url();

  // the plan: 3 records × 2 fields, the edited amount a conflict
  await expect(page.getByTestId("plan-restorable")).toHaveText("5");
  await expect(page.getByTestId("plan-conflicts")).toHaveText("1");
  await expect(page.getByTestId("plan-restored")).toHaveText("0");
  const items = page.getByRole("table", { name: "Backout items" });
  const conflict = items.getByTestId(`item-${edited.recordId}-Amount`);
  await expect(conflict).toContainText("conflict");
  await expect(conflict).toContainText("Changed in Salesforce since Tollgate wrote it");
  await expect(conflict).toContainText(String(humanAmount));
  await expect(items.getByTestId(`item-${backout.records[0].recordId}-CloseDate`)).toContainText(
    "to restore",
  );
  await page.getByLabel("Show").selectOption({ label: "conflict" });
  await expect(items.locator("tbody tr")).toHaveCount(1);
  await page.getByLabel("Show").selectOption({ label: "Every item" });
  await expect(items.locator("tbody tr")).toHaveCount(6);
  // the planner may not start it: the button is disabled and says why
  const start = page.getByRole("button", { name: "Start…" });
  await expect(start).toBeDisabled();
  await expect(page.getByText("You planned it: another person starts it")).toBeVisible();
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({
      path: test.info().outputPath(`backout-planned-${width}.png`),
      fullPage: true,
    });
  }

  // an admin starts it, reading what will be written first, and watches it finish
  const other = await browser.newContext();
  const admin = await other.newPage();
  await signIn(admin, "admin");
  await admin.goto(url);
  await admin.getByRole("button", { name: "Start…" }).click();
  const dialog = admin.getByRole("alertdialog");
  await expect(dialog).toContainText("Tollgate will write 5 fields in Production");
  await expect(dialog.getByTestId("bo-start-sample").locator("li")).toHaveCount(5);
  await admin.setViewportSize({ width: 1024, height: 900 });
  await admin.screenshot({ path: test.info().outputPath("backout-start-dialog-1024.png") });
  await dialog.getByRole("button", { name: "Start: restore 5 fields" }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByTestId("progress-done")).toHaveText("5 of 5", { timeout: 45_000 });
  await expect(admin.getByText("done", { exact: true }).first()).toBeVisible();
  await expect(admin.getByTestId("progress-failed")).toHaveText("0");
  await expect(admin.getByRole("progressbar", { name: "Fields settled" })).toHaveAttribute(
    "aria-valuenow",
    "5",
  );
  const restored = admin
    .getByRole("table", { name: "Backout items" })
    .getByTestId(`item-${backout.records[0].recordId}-Amount`);
  await expect(restored.getByRole("link", { name: /^Revert .*: succeeded$/ })).toBeVisible();
  for (const width of [1024, 1440]) {
    await admin.setViewportSize({ width, height: 900 });
    await admin.screenshot({
      path: test.info().outputPath(`backout-done-${width}.png`),
      fullPage: true,
    });
  }
  await other.close();

  // Salesforce holds the values before the writes; the person's amount stays
  for (const r of backout.records) {
    const now = await read(r.recordId);
    expect(now.CloseDate).toBe(r.closeBefore);
    expect(now.Amount).toBe(r === edited ? humanAmount : r.amountBefore);
  }
  // the list shows who planned and who started it, and the finished progress
  await page.goto("/backouts");
  const row = page
    .getByRole("table", { name: "Backouts" })
    .locator(`[data-testid="backout-${url.split("/").pop()}"]`);
  await expect(row).toContainText("done");
  await expect(row).toContainText("Planned by Olive Ops");
  await expect(row).toContainText("Started by Ada Admin");
  await expect(row).toContainText("5 of 5 restored");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({
      path: test.info().outputPath(`backouts-list-${width}.png`),
      fullPage: true,
    });
  }
  // the same selection again: only the person's amount is left, a conflict, nothing to start
  await select();
  await form.getByLabel("Why back these writes out?").fill("Once more, to be sure");
  await form.getByRole("button", { name: "Run the dry run" }).click();
  await expect(page).toHaveURL(/\/backouts\/bo_/, { timeout: 30_000 });
  await expect(page.getByTestId("plan-restorable")).toHaveText("0");
  await expect(page.getByTestId("plan-conflicts")).toHaveText("1");
  await expect(page.getByText("1 request on 1 record")).toBeVisible();
  await expect(items.locator("tbody tr")).toHaveCount(1);
  await expect(items.getByTestId(`item-${edited.recordId}-Amount`)).toContainText("conflict");
  // its planner cancels it: nothing was written, and nothing is left to start or cancel
  await page.getByRole("button", { name: "Cancel…" }).click();
  const cancel = page.getByRole("alertdialog");
  await expect(cancel).toContainText("Nothing has been written");
  await cancel.getByRole("button", { name: "Cancel the backout" }).click();
  await expect(cancel).toBeHidden();
  await expect(page.getByText("cancelled", { exact: true }).first()).toBeVisible();
  await expect(page.getByTestId("bo-actions").getByRole("button")).toHaveCount(0);
  // another agent in the same window: nothing matches, said above the button, nothing planned
  await page.goto("/backouts");
  await select();
  await form.getByLabel("Agent").selectOption({ label: "Quote assistant" });
  await form.getByLabel("Why back these writes out?").fill("Nothing to find here");
  await form.getByRole("button", { name: "Run the dry run" }).click();
  await expect(form.getByRole("alert")).toContainText("No succeeded write matches");
  await expect(page).toHaveURL(/\/backouts$/);
});
