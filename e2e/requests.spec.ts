import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

const table = (page: Page) => page.getByRole("table", { name: "Action requests" });
const rowIds = (page: Page) =>
  table(page)
    .locator("tbody tr[data-id]")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));

/** The page never scrolls sideways: a wide table scrolls inside its own frame. */
async function noPageOverflow(page: Page, width: number) {
  await page.setViewportSize({ width, height: 900 });
  const frame = page.getByRole("region", { name: "Action requests" });
  await frame.evaluate((el) => (el.scrollLeft = 0));
  await page.screenshot({ path: `test-results/requests-${width}.png` });
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, `page width at ${width} px`).toBeLessThanOrEqual(client);
  // the last column is reachable: the frame scrolls to it
  await frame.evaluate((el) => (el.scrollLeft = el.scrollWidth));
  await expect(table(page).getByRole("columnheader", { name: "Outcome" })).toBeInViewport();
}

test("a person lists every request, pages, filters by status and agent, and exports CSV", async ({
  page,
}) => {
  await signIn(page, "ops");
  await page.getByRole("link", { name: "Requests", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Requests", level: 1 })).toBeVisible();
  await expect(table(page).locator("tbody tr[data-id]")).toHaveCount(50);
  await noPageOverflow(page, 1024);
  await noPageOverflow(page, 1440);

  // pages by cursor: next, back, first; the cursor stays in the link
  const first = await rowIds(page);
  await page.getByRole("button", { name: "Next page" }).click();
  await expect.poll(() => rowIds(page)).not.toEqual(first);
  const second = await rowIds(page);
  expect(second.filter((id) => first.includes(id))).toEqual([]);
  await expect(page).toHaveURL(/cursor=/);
  await page.reload();
  await expect.poll(() => rowIds(page)).toEqual(second);
  await page.getByRole("button", { name: "Previous" }).click();
  await expect.poll(() => rowIds(page)).toEqual(first);
  await expect(page.getByRole("button", { name: "Previous" })).toBeDisabled();
  await page.getByRole("button", { name: "Next page" }).click();
  await expect.poll(() => rowIds(page)).toEqual(second);
  await page.getByRole("button", { name: "First" }).click();
  await expect.poll(() => rowIds(page)).toEqual(first);

  // several statuses, then an agent: both in the link, every row matches
  await page.getByText("Status: all").click();
  await page.getByRole("checkbox", { name: "succeeded" }).check();
  await expect(page).toHaveURL(/status=succeeded/);
  await page.getByText("Status: succeeded").click();
  // the menu lists statuses in their order, and so does the link
  await page.getByRole("checkbox", { name: "denied" }).check();
  await expect(page).toHaveURL(/status=denied%2Csucceeded/);
  // the agent of the first row listed, so the filtered view has rows
  const firstAgent = table(page).locator("tbody tr[data-id]").first().locator("td").nth(1);
  const agentName = (await firstAgent.locator(".font-medium").textContent())!;
  const agentEnv = (await firstAgent.locator(".text-muted").textContent())!;
  const agent = page.getByLabel("Agent", { exact: true });
  await agent.selectOption({ label: `${agentName} · ${agentEnv}` });
  const agentId = await agent.inputValue();
  await expect(page).toHaveURL(new RegExp(`agent=${agentId}`));
  const rows = table(page).locator("tbody tr[data-id]");
  await expect(rows.first()).toBeVisible();
  const statuses = await rows.locator("td:nth-child(6)").allTextContents();
  expect(statuses.length).toBeGreaterThan(0);
  for (const s of statuses) expect(["succeeded", "denied"]).toContain(s.trim());
  for (const a of await rows.locator("td:nth-child(2) .font-medium").allTextContents())
    expect(a).toBe(agentName);

  // the same set as the API lists it, exported as CSV with its progress
  const api = await page.request.get(
    `/api/internal/requests?status=succeeded,denied&agent=${agentId}&limit=200`,
  );
  const listed = (await api.json()) as { items: { id: string }[]; nextCursor: string | null };
  expect(listed.nextCursor).toBeNull();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^requests-.*\.csv$/);
  const text = fs.readFileSync((await file.path())!, "utf8");
  const lines = text.trimEnd().split("\r\n");
  expect(lines[0]).toMatch(/^id,created_at,status,environment,agent,agent_id,/);
  const exported = lines.slice(1).map((l) => l.split(",")[0]);
  expect(exported).toEqual(listed.items.map((i) => i.id));
  await expect(page.getByRole("status").filter({ hasText: "Saved requests-" })).toBeVisible();

  // each row opens the request's own page
  const firstRow = rows.first();
  const id = await firstRow.getAttribute("data-id");
  await expect(firstRow.getByRole("link", { name: id! })).toHaveAttribute(
    "href",
    `/requests/${id}`,
  );
});
