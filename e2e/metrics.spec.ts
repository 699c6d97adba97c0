import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

/**
 * The VP's screen (issue 14): a viewer lands on the metrics, picks an agent and 30 days, reads
 * the reversal rate and opens the reverted writes behind it; the charts are drawn.
 */
test("the VP lands on the metrics, filters by agent and 30 days, and opens the reverted writes", async ({
  page,
}) => {
  await signIn(page, "vp");
  await page.goto("/");
  await expect(page).toHaveURL(/\/metrics$/);
  await expect(page.getByRole("heading", { name: "Metrics", level: 1 })).toBeVisible();

  const filters = page.getByRole("region", { name: "Filters" });
  await filters.getByLabel("Agent").selectOption({ label: "Pipeline hygiene bot (Production)" });
  await expect(page).toHaveURL(/agent=/);
  await filters.getByLabel("Period").selectOption("7");
  await expect(page).toHaveURL(/days=7/);
  await filters.getByLabel("Period").selectOption("30");
  await expect(page).toHaveURL(/days=30/);

  const reversal = page.getByTestId("figure-reversal");
  await expect(reversal).toContainText(/\d+\.\d%/);
  await expect(reversal).toContainText(/vs the previous 30 days|no figure for the previous/);
  // the charts are drawn: a line per rate, bars per day
  await expect(page.getByTestId("chart-rates").locator(".recharts-line").first()).toBeVisible();
  await expect(page.getByTestId("chart-volumes").locator(".recharts-bar").first()).toBeVisible();
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`metrics-${width}.png`), fullPage: true });
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll, `page width at ${width} px`).toBeLessThanOrEqual(client);
  }

  // the figure's "N reverted" opens the Requests page on exactly those writes
  const link = reversal.getByRole("link", { name: /\d+ reverted/ });
  const count = Number((await link.textContent())!.match(/\d+/)![0]);
  expect(count).toBeGreaterThan(0);
  await link.click();
  await expect(page).toHaveURL(/\/requests\?.*status=reverted/);
  const rows = page.getByRole("table", { name: "Action requests" }).locator("tbody tr[data-id]");
  await expect(rows.first()).toBeVisible();
  const statuses = await rows.locator("td:nth-child(6)").allTextContents();
  expect(statuses.length).toBe(Math.min(count, 50));
  for (const s of statuses) expect(s.trim()).toBe("reverted");
  const agents = await rows.locator("td:nth-child(2)").allTextContents();
  for (const a of agents) expect(a).toContain("Pipeline hygiene bot");
});
