import { expect, test, type Page } from "@playwright/test";
import { signIn, fromConsole } from "./helpers";

// An agent-scope switch on an observe-phase agent: it has no queued work to halt, and other
// specs drive the agent API in prod, so nothing here may stay engaged.
const AGENT = "quote-assistant (staging)";
const agentRow = (page: Page) => page.getByTestId(/^ks-agent-/).filter({ hasText: AGENT });

test("an admin trips and resets an agent switch, giving a reason each time", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Kill switches" }).click();
  await expect(page.getByRole("heading", { name: "Kill switches", level: 1 })).toBeVisible();
  await expect(page.getByTestId("ks-global-global")).toContainText("Global switch");
  // the instances a trip waits for: this run's web server and its worker, both listening
  const instances = page.getByRole("region", { name: "Running instances" });
  await expect(instances.getByTestId("instance-web")).toContainText("Listening");
  await expect(instances.getByTestId("instance-worker")).toContainText("Listening");

  const row = agentRow(page);
  await expect(row).toContainText("Off");
  await row.getByRole("button", { name: /^Trip/ }).click();
  const reason = row.getByLabel("Why trip this switch?");
  await expect(reason).toBeFocused();
  // Escape closes the form without a change and gives focus back to the button
  await reason.press("Escape");
  await expect(row.getByRole("button", { name: /^Trip/ })).toBeFocused();
  await row.getByRole("button", { name: /^Trip/ }).click();

  // the server requires a reason; its problem+json shows next to the field
  await row.getByRole("button", { name: "Trip switch" }).click();
  await expect(row.getByRole("alert")).toContainText("Say why (at least 3 characters)");
  await expect(row).toContainText("Off");

  await row.getByLabel("Why trip this switch?").fill("Quoting wrong prices in staging");
  await row.getByLabel("Why trip this switch?").press("Enter");
  // the answer came once the web server and the worker (the two running instances) confirmed it
  await expect(row.getByRole("status")).toHaveText(
    /^Tripped\. \d+ queued requests? halted\. All 2 running instances confirmed within \d+ ms\.$/,
  );
  await expect(row.getByTestId("engaged-by")).toContainText("Ada Admin");
  await expect(row.getByTestId("engaged-by")).toContainText("Quoting wrong prices in staging");
  await expect(page.getByTestId("engaged-count")).toContainText(AGENT);

  // the state is the server's, not the page's
  await page.reload();
  await expect(agentRow(page)).toContainText("Engaged by Ada Admin");
  await agentRow(page)
    .getByRole("button", { name: /^Reset/ })
    .click();
  await agentRow(page).getByRole("button", { name: "Reset switch" }).click();
  await expect(agentRow(page).getByRole("alert")).toContainText("at least 3 characters");
  await agentRow(page).getByLabel("Why reset this switch?").fill("Prices fixed");
  await agentRow(page).getByRole("button", { name: "Reset switch" }).click();
  await expect(agentRow(page).getByRole("status")).toContainText("Reset.");
  await expect(agentRow(page)).toContainText("Off");
  await expect(agentRow(page).getByTestId("last-reset")).toContainText("Ada Admin");
  await expect(agentRow(page).getByTestId("last-reset")).toContainText("Prices fixed");

  const api = await page.request.get("/api/internal/kill-switches");
  const rows: { name: string; engaged: boolean; resetReason: string | null }[] = (await api.json())
    .killSwitches;
  expect(rows.find((r) => r.name === AGENT)).toMatchObject({
    engaged: false,
    resetReason: "Prices fixed",
  });

  // a bad body is a clear problem, not a crash
  const bad = await page.request.post("/api/internal/kill-switches/trip", {
    headers: fromConsole,
    data: { scope: "agent", reason: "no target given" },
  });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toMatchObject({ code: "invalid_body", detail: /Name the agent/ });
});

test("tripping the global switch asks for confirmation; backing out changes nothing", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.goto("/kill-switches");
  const global = page.getByTestId("ks-global-global");
  await global.getByRole("button", { name: /^Trip/ }).click();
  await global.getByLabel("Why trip this switch?").fill("Incident drill");
  await global.getByRole("button", { name: "Trip switch" }).click();
  await expect(global.getByRole("alertdialog")).toContainText("Trip the global switch?");
  await expect(global.getByRole("alertdialog")).toContainText("Incident drill");
  await expect(global.getByRole("button", { name: "Yes, trip everything" })).toBeFocused();
  await global.getByRole("button", { name: "Back" }).click();
  await expect(global.getByLabel("Why trip this switch?")).toHaveValue("Incident drill");
  await global.getByRole("button", { name: "Cancel" }).click();
  await expect(global).toContainText("Off");
  const api = await page.request.get("/api/internal/kill-switches");
  expect((await api.json()).killSwitches[0]).toMatchObject({ scope: "global", engaged: false });
});

test("a viewer sees the switches read-only and the server refuses changes", async ({ page }) => {
  await signIn(page, "vp");
  await page.getByRole("link", { name: "Kill switches" }).click();
  await expect(page.getByTestId("ks-global-global")).toContainText("Off");
  await expect(agentRow(page)).toBeVisible();
  await expect(page.getByText("Read-only: only admins trip and reset.")).toBeVisible();
  await expect(page.getByRole("button", { name: /^(Trip|Reset)/ })).toHaveCount(0);

  for (const action of ["trip", "reset"]) {
    const res = await page.request.post(`/api/internal/kill-switches/${action}`, {
      headers: fromConsole,
      data: { scope: "global", reason: "viewer tries anyway" },
    });
    expect(res.status()).toBe(403);
    expect(res.headers()["content-type"]).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 403, code: "forbidden" });
  }
  expect((await page.request.get("/api/internal/kill-switches")).status()).toBe(200);
});
