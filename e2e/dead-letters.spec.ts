import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn, fromConsole } from "./helpers";

type TLetter = {
  requestId: string;
  agentId: string;
  agent: string;
  environment: string;
  recordId: string | null;
  errorMessage: string;
};

const openLetters = async (request: APIRequestContext) => {
  const res = await request.get("/api/internal/dead-letters");
  expect(res.status()).toBe(200);
  return ((await res.json()) as { deadLetters: (TLetter & { resolvedAt: string | null })[] })
    .deadLetters;
};

const letterOf = async (request: APIRequestContext, id: string) => {
  const res = await request.get(`/api/internal/dead-letters/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as {
    deadLetter: { status: string; resolvedAt: string | null; resolution: string | null };
  };
};

/** The sandbox's test-control route (faults), as the demo environments' Salesforce. */
const sandbox = (route: string, body: object) =>
  fetch(`${process.env.E2E_SANDBOX_URL}/__sandbox/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then((r) => expect(r.ok).toBe(true));

const openTable = (page: Page) => page.getByRole("table", { name: "Open dead letters" });

test("ops opens a dead letter, reads its history, and discards it with a reason", async ({
  page,
}) => {
  await signIn(page, "ops");
  await page.getByRole("link", { name: "Dead letters" }).click();
  await expect(page.getByRole("heading", { name: "Dead letters", level: 1 })).toBeVisible();
  await expect(page.getByTestId("policy-timeout")).toContainText("Retried with backoff");
  await expect(page.getByTestId("policy-conflict")).toContainText("Back to approval");

  const row = openTable(page).getByTestId(/^dl-/).first();
  const id = (await row.getAttribute("data-testid"))!.slice("dl-".length);
  const letter = (await openLetters(page.request)).find((l) => l.requestId === id)!;
  await expect(row).toContainText(letter.errorMessage);
  await row.getByRole("button").click();

  const panel = page.getByRole("dialog");
  await expect(panel).toContainText(id);
  await expect(panel.getByTestId("dl-error")).toHaveText(letter.errorMessage);
  await expect(panel.getByRole("heading", { name: "Field changes" })).toBeVisible();
  const tries = panel.getByTestId("dl-attempts");
  await expect(tries).toContainText("Try 1");
  await expect(tries).toContainText(/(GET|PATCH|POST) \/services\/data\/v\d+\.\d+\/sobjects\//);
  await expect(panel.getByTestId("dl-timeline")).toContainText("execution.dead_lettered");

  // the server insists on a reason; its answer shows in the panel and nothing changes
  await panel.getByRole("button", { name: "Discard", exact: true }).click();
  await panel.getByRole("button", { name: "Discard request" }).click();
  await expect(panel.getByRole("alert")).toContainText("Say why (3 characters or more)");
  expect((await letterOf(page.request, id)).deadLetter).toMatchObject({
    status: "dead_lettered",
    resolvedAt: null,
  });

  await panel.getByLabel("Why discard this request?").fill("The rep made this change by hand");
  await panel.getByRole("button", { name: "Discard request" }).click();
  await expect(page.getByRole("status")).toHaveText(`${id} was discarded.`);
  await expect(panel).toBeHidden();
  await expect(openTable(page).getByTestId(`dl-${id}`)).toHaveCount(0);
  expect((await letterOf(page.request, id)).deadLetter).toMatchObject({
    status: "discarded",
    resolution: "discarded",
  });

  // resolved letters say who resolved them and why
  await page.getByLabel("Show resolved").check();
  await expect(page).toHaveURL(/resolved=1/);
  const resolved = page
    .getByRole("table", { name: "Resolved dead letters" })
    .getByTestId(`dl-${id}`);
  await expect(resolved).toContainText("Olive Ops");
  await expect(resolved).toContainText("The rep made this change by hand");
});

test("a viewer cannot open the queue, and the server refuses to resolve", async ({
  page,
  browser,
}) => {
  const ops = await browser.newPage();
  await signIn(ops, "ops");
  const [letter] = await openLetters(ops.request);
  expect(letter).toBeDefined();

  await signIn(page, "vp");
  await expect(page.getByRole("link", { name: "Dead letters" })).toHaveCount(0);
  await page.goto("/dead-letters");
  await expect(page).toHaveURL(/\/forbidden\?need=dead_letters%3Aread/);
  for (const res of [
    await page.request.post(`/api/internal/dead-letters/${letter.requestId}`, {
      headers: fromConsole,
      data: { action: "discard", reason: "viewer tries anyway" },
    }),
    await page.request.get("/api/internal/dead-letters"),
  ]) {
    expect(res.status()).toBe(403);
    expect(res.headers()["content-type"]).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 403, code: "forbidden" });
  }
  expect((await letterOf(ops.request, letter.requestId)).deadLetter.resolvedAt).toBeNull();
  await ops.close();
});

test("halted work resumes only once its switch is reset, with a reason", async ({ page }) => {
  await signIn(page, "admin");
  const letter = (await openLetters(page.request)).find((l) => l.recordId);
  expect(letter, "an open dead letter on an existing record").toBeDefined();
  const { requestId: id, agentId } = letter!;
  const agentSwitch = { scope: "agent", target: agentId };
  try {
    // Salesforce is down for this record, so the retried request waits to try again…
    await sandbox("faults", {
      failNext: { count: 1, status: 503 },
      match: encodeURIComponent(letter!.recordId!),
    });
    const retried = await page.request.post(`/api/internal/dead-letters/${id}`, {
      headers: fromConsole,
      data: { action: "retry", reason: "Salesforce maintenance is over" },
    });
    expect(retried.status()).toBe(200);
    // …and a switch on its agent halts it (at once, or when the worker next picks it up)
    const trip = await page.request.post("/api/internal/kill-switches/trip", {
      headers: fromConsole,
      data: { ...agentSwitch, reason: "Agent writes look wrong" },
    });
    expect(trip.status()).toBe(200);
    await expect
      .poll(async () => (await letterOf(page.request, id)).deadLetter.status, { timeout: 25_000 })
      .toBe("halted");

    await page.goto("/kill-switches");
    const halted = page.getByTestId(`halted-${id}`);
    await expect(halted).toContainText(`Held by the agent ${letter!.agent}`);
    await expect(halted.getByRole("checkbox")).toBeDisabled();

    // resetting the switch does not restart the work; the list shows it can resume now
    const sw = page.getByTestId(`ks-agent-${agentId}`);
    await sw.getByRole("button", { name: /^Reset/ }).click();
    await sw.getByLabel("Why reset this switch?").fill("Prompt rolled back");
    await sw.getByRole("button", { name: "Reset switch" }).click();
    await expect(sw.getByRole("status")).toContainText("Reset.");
    await page.getByRole("button", { name: "Reload list" }).click();
    await expect(halted).toContainText("can resume");
    await halted.getByRole("checkbox").check();

    const section = page.getByRole("region", { name: "Halted work" });
    const resume = section.getByRole("button", { name: "Resume selected (1)" });
    await resume.click();
    await expect(section.getByRole("alert")).toContainText("Say why (3 characters or more)");
    expect((await letterOf(page.request, id)).deadLetter.status).toBe("halted");
    await section.getByLabel("Why resume this request?").fill("Prompt rolled back; change wanted");
    await resume.click();
    await expect(section.getByRole("status")).toHaveText("Resumed 1 request: queued to run again.");
    await expect(halted).toHaveCount(0);
    expect((await letterOf(page.request, id)).deadLetter.status).not.toBe("halted");
  } finally {
    // other specs drive these agents: leave no switch engaged and no fault armed
    await page.request.post("/api/internal/kill-switches/reset", {
      headers: fromConsole,
      data: { ...agentSwitch, reason: "spec clean-up" },
    });
    await sandbox("faults", { clear: true });
  }
});
