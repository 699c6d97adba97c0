import { expect, test, type Page } from "@playwright/test";
import { signIn, fromConsole } from "./helpers";

// lead-enrichment-bot in dev, which no other spec opens: its elevation stays in the shared
// database, and it only lets that agent do more in dev.
async function openAgent(page: Page) {
  await page.goto("/agents?env=dev");
  await page
    .getByTestId("agent-lead-enrichment-bot")
    .getByRole("link", { name: "Lead enrichment bot" })
    .click();
  await expect(page.getByRole("heading", { name: "Lead enrichment bot", level: 1 })).toBeVisible();
  return page.url().split("/").pop()!;
}

test("an admin gives an agent a 1-hour elevation and sees it expire", async ({ page }) => {
  await signIn(page, "admin");
  // the browser's clock from here on is the test's: it runs on from now until fast-forwarded
  await page.clock.install();
  const agentId = await openAgent(page);

  await page.getByRole("button", { name: "Elevate" }).click();
  const dialog = page.getByRole("dialog", { name: "Elevate Lead enrichment bot" });
  const form = dialog.getByRole("form", { name: "Elevation" });
  await form.getByLabel("Object").fill("Lead");
  await form.getByLabel("Operation").selectOption("update");
  await form.getByLabel("Fields").fill("Title, Phone");

  // the route's own schema answers in the form: 0 hours and no reason, each under its field
  await form.getByLabel("Hours").fill("0");
  await form.getByRole("button", { name: "Elevate" }).click();
  await expect(form.getByText("At least 1 hour")).toBeVisible();
  await expect(form.getByText("Say why (at least 3 characters)")).toBeVisible();
  // a malformed condition names its column
  await form.getByLabel("Record condition (optional)").fill("Status = = 'Open'");
  await form.getByLabel("Hours").fill("1");
  await form.getByLabel("Reason").fill("e2e: title clean-up after the trade show");
  await form.getByRole("button", { name: "Elevate" }).click();
  await expect(form.getByText(/Invalid condition at column \d+/)).toBeVisible();

  await form.getByLabel("Record condition (optional)").fill("Status != 'Closed'");
  await form.getByRole("button", { name: "Elevate" }).click();
  await expect(dialog).toBeHidden();

  const row = page.locator("[data-testid^=elevation-]").filter({ hasText: "trade show" });
  await expect(row).toContainText("Lead · update · Title, Phone");
  await expect(row).toContainText("where Status != 'Closed'");
  await expect(row).toContainText("Ada Admin");
  await expect(row.getByTestId("elevation-state")).toHaveText(/^expires in (59 min|1 h 0 min)$/);
  // the standing grants list shows it too, until when
  await expect(page.getByTestId("agent-grants")).toContainText("elevated until");

  // what the server stored: an hour from when it was given
  const res = await page.request.get(`/api/internal/agents/${agentId}/elevations`);
  const { elevations } = await res.json();
  const mine = elevations.find((e: { reason: string }) => e.reason.includes("trade show"));
  expect(new Date(mine.validUntil).getTime() - new Date(mine.validFrom).getTime()).toBe(3_600_000);
  expect(mine.expired).toBe(false);

  await page.clock.fastForward("30:00");
  await expect(row.getByTestId("elevation-state")).toHaveText(/^expires in (29|30) min$/);
  await page.clock.fastForward("29:30");
  await expect(row.getByTestId("elevation-state")).toHaveText(
    /^expires in (under a minute|1 min)$/,
  );
  await page.clock.fastForward("01:00");
  await expect(row.getByTestId("elevation-state")).toHaveText("expired");
});

test("only an admin may elevate: no button for an ops owner, and the route refuses them", async ({
  page,
}) => {
  await signIn(page, "ops");
  const agentId = await openAgent(page);
  await expect(page.getByRole("heading", { name: "Time-bounded elevations" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Elevate" })).toHaveCount(0);
  const res = await page.request.post(`/api/internal/agents/${agentId}/elevations`, {
    headers: fromConsole,
    data: {
      scope: { object: "Lead", operations: ["update"], fields: ["Title"] },
      hours: 1,
      reason: "not mine to give",
    },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).code).toBe("forbidden");
});
