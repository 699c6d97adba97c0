import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

// Lead.Website, which no seed row and no other spec owns: the row is made, edited and removed
// here, so the shared database ends as it began
test("an ops owner adds, edits and removes a field's ownership", async ({ page }) => {
  await signIn(page, "ops");
  await page.goto("/field-ownership");
  await expect(page.getByRole("heading", { name: "Field ownership", level: 1 })).toBeVisible();
  // seeded rows, owners by name
  const stage = page.getByTestId("ownership-Opportunity.StageName");
  await expect(stage).toContainText("Sam Sysowner");
  await expect(stage.getByTestId("writers")).toContainText("People");
  await expect(stage.getByTestId("writers")).toContainText("Pipeline hygiene bot");

  await page.getByRole("button", { name: "Add a field" }).click();
  let form = page.getByRole("form", { name: "Field ownership" });
  await form.getByLabel("Object").fill("Lead");
  await form.getByLabel("Field", { exact: true }).fill("Websit");
  await form.getByLabel("Conflict rule").selectOption("agent_yields_to_humans");
  await form.getByRole("button", { name: "Add" }).click();
  // the form's own schema: yield hours are needed for this rule
  await expect(form.getByText("Say for how many hours an agent yields")).toBeVisible();
  await form.getByLabel("Yield hours").fill("4");
  await form.getByRole("button", { name: "Add" }).click();
  // the server's: Salesforce has no such field
  await expect(form.getByText('Lead has no field "Websit" in Salesforce')).toBeVisible();
  await form.getByLabel("Field", { exact: true }).fill("Website");
  await form.getByLabel("Owner").selectOption({ label: "Olive Ops" });
  await form.getByLabel("Freshness SLA (minutes)").fill("30");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`field-ownership-form-${width}.png`) });
  }
  await form.getByRole("button", { name: "Add" }).click();
  await expect(form).toBeHidden();

  const row = page.getByTestId("ownership-Lead.Website");
  await expect(row).toContainText("Agent yields to humans");
  await expect(row).toContainText("for 4 h");
  await expect(row).toContainText("30 min");
  await expect(row).toContainText("Olive Ops");

  // letting an agent write it widens: the form says how and asks why
  await page.getByRole("button", { name: "Edit Lead.Website" }).click();
  form = page.getByRole("form", { name: "Field ownership" });
  await form.getByRole("checkbox", { name: /Lead enrichment bot/ }).check();
  await expect(
    form.getByText(/This lets agents write more: lets lead-enrichment-bot/),
  ).toBeVisible();
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText("Say why agents may write more")).toBeVisible();
  await form.getByLabel("Reason (required)").fill("e2e: enrichment keeps websites current");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form).toBeHidden();
  await expect(row.getByTestId("writers")).toContainText("Lead enrichment bot");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({
      path: test.info().outputPath(`field-ownership-${width}.png`),
      fullPage: true,
    });
  }

  // an edit from a form opened before someone else's change is refused, not applied
  const stale = await page.request.get("/api/internal/field-ownership");
  const before = (await stale.json()).rows.find(
    (r: { field: string; object: string }) => r.object === "Lead" && r.field === "Website",
  );
  await page.getByRole("button", { name: "Edit Lead.Website" }).click();
  form = page.getByRole("form", { name: "Field ownership" });
  const res = await page.request.patch(`/api/internal/field-ownership/${before.id}`, {
    headers: { origin: new URL(page.url()).origin },
    data: {
      systemOfRecord: "salesforce",
      allowedWriters: ["humans"],
      conflictRule: "manual_review",
      freshnessSlaMinutes: 45,
      // no longer yielding to people's edits widens: a reason
      reason: "e2e: a colleague's change",
      expectedUpdatedAt: before.updatedAt,
    },
  });
  expect(res.status()).toBe(200);
  await form.getByLabel("Freshness SLA (minutes)").fill("20");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText(/Someone else changed Lead.Website/)).toBeVisible();
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toContainText("45 min");

  await page.getByRole("button", { name: "Remove Lead.Website" }).click();
  const remove = page.getByRole("form", { name: "Remove field ownership" });
  await remove.getByRole("button", { name: "Remove the rule" }).click();
  await expect(remove.getByText("Say why (at least 3 characters)")).toBeVisible();
  await remove.getByLabel("Reason").fill("e2e: done with the website rule");
  await remove.getByRole("button", { name: "Remove the rule" }).click();
  await expect(remove).toBeHidden();
  await expect(row).toHaveCount(0);
});
