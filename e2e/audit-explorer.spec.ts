import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("an admin filters a lane by action, verifies an event and exports the lane with its signed checkpoint", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page
    .getByRole("navigation", { name: "Console" })
    .getByRole("link", { name: "Audit events" })
    .click();
  await expect(page.getByRole("heading", { name: "Audit events", level: 1 })).toBeVisible();

  await page.getByLabel("Lane", { exact: true }).selectOption("execution");
  await expect(page).toHaveURL(/lane=execution/);
  await page.getByLabel("Action", { exact: true }).fill("action_request.");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=action_request\./);
  const table = page.getByRole("table", { name: "Audit events, execution lane" });
  const rows = table.locator("tbody tr[data-testid^='event-']");
  await expect(rows.first()).toBeVisible();
  for (const action of await rows.locator("td:nth-child(4) code").allTextContents())
    expect(action).toMatch(/^action_request\./);

  // an exact action narrows it further; the URL keeps the filters across a reload
  await page.getByLabel("Action", { exact: true }).fill("action_request.created");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=action_request\.created/);
  await page.reload();
  await expect(page.getByLabel("Action", { exact: true })).toHaveValue("action_request.created");
  await expect(rows.first()).toBeVisible();
  for (const action of await rows.locator("td:nth-child(4) code").allTextContents())
    expect(action).toBe("action_request.created");

  // verify the newest one: sealed events answer for their content and their link
  const first = rows.first();
  await expect(first.getByTestId("seal")).toContainText(/sealed|unsealed/);
  await first.getByRole("button", { name: /^Verify event/ }).click();
  await expect(first.getByTestId("verify-event-result")).toContainText(/intact/);

  // the export: the lane's signed checkpoint first, then the filtered events in seq order
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export execution lane (JSONL)" }).click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file!, "utf8").trimEnd().split("\n");
  const header = JSON.parse(lines[0]);
  expect(header).toMatchObject({
    export: "tollgate.audit.export/v1",
    format: "tollgate.audit.checkpoints/v1",
    lane: "execution",
    filters: { action: "action_request.created" },
  });
  expect(header.checkpoints).toHaveLength(1);
  expect(header.publicKey).toContain("BEGIN PUBLIC KEY");
  const events = lines.slice(1).map((l) => JSON.parse(l));
  expect(events.length).toBeGreaterThan(0);
  expect(events.every((e) => e.action === "action_request.created")).toBe(true);
  const seqs = events.map((e) => e.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(seqs[seqs.length - 1]).toBeLessThanOrEqual(header.checkpoints[0].seq);
});

test("filters the URL refuses are named, and nothing is listed", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/audit/events?lane=data&recordId=not-an-id");
  await expect(
    page.getByRole("alert").filter({ hasText: "These filters are not valid" }),
  ).toContainText("recordId");
  await expect(page.getByText("No events in this lane match these filters.")).toBeVisible();
});
