import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

async function screenshots(page: Page, name: string) {
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll, `page width at ${width} px`).toBeLessThanOrEqual(client);
  }
}

/**
 * Issue 14 item 4, on the workflow's page: the VP (viewer) reads the seeded canary of the
 * pipeline hygiene workflow against its baseline — cohorts, conversion with its test and looks,
 * rates, each criterion — and follows a count to the requests behind it.
 */
test("a viewer reads the canary vs baseline card and follows a count to its requests", async ({
  page,
}) => {
  await signIn(page, "vp");
  const list = (await (await page.request.get("/api/internal/workflows")).json()) as {
    workflows: { id: string; key: string }[];
  };
  const id = list.workflows.find((w) => w.key === "pipeline-hygiene")!.id;
  await page.goto(`/workflows/${id}`);
  const card = page.getByTestId("canary-card");
  await expect(card).toBeVisible();
  await expect(card.getByRole("heading", { level: 2 })).toContainText(/canary/i);
  // the e2e run sets TOLLGATE_CANARY_MANUAL_ONLY
  await expect(card).toContainText("manual only");
  await expect(card.getByTestId("canary-requests")).toHaveText(/^\d+ requests$/);
  await expect(card.getByTestId("canary-n")).toHaveText(/^\d+$/);
  await expect(card.getByTestId("baseline-n")).toHaveText(/^\d+$/);
  await expect(card.getByTestId("looks")).toContainText(/\d+ of 6/);
  await expect(card.getByTestId("canary-criteria").locator("li")).toHaveCount(3);
  await expect(card.getByTestId("canary-test")).toContainText("Next look");
  await expect(card.getByText(/last evaluated|not evaluated it yet/)).toBeVisible();
  await screenshots(page, "canary-card");

  // the canary's decided stage changes, on the Requests page with the same filters
  const n = Number(await card.getByTestId("canary-n").textContent());
  await card.getByTestId("canary-n").click();
  await expect(page).toHaveURL(/\/requests\?.*field=StageName/);
  await expect(page).toHaveURL(/workflowVersion=/);
  await expect(page.getByLabel("Changes field (API name)")).toHaveValue("StageName");
  if (n > 0) await expect(page.locator("tbody tr").first()).toBeVisible();
});
