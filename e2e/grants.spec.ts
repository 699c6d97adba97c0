import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import type { TE2eFixtures } from "./fixtures/prepare";
import { fromConsole, signIn } from "./helpers";

// grants-e2e-bot in dev is this spec's own agent (e2e/fixtures/prepare.ts): observing, so its
// accepted requests are recorded and never executed; it starts with no standing permission set
// and a 24-hour elevation to update Lead.Phone.
const fixtures = () => (JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures).grants;

/** The agent proposes `changes` to the fixture lead through the real agent API: the HTTP status. */
async function propose(request: APIRequestContext, changes: Record<string, string>) {
  const f = fixtures();
  const res = await request.post("/api/agent/v1/action-requests", {
    headers: { authorization: `Bearer ${f.agentKey}` },
    data: {
      idempotencyKey: `e2e-grants-${crypto.randomUUID()}`,
      workflow: { key: "lead-enrichment" },
      actionType: "lead.enrich",
      target: { system: "salesforce", object: "Lead", recordId: f.leadId },
      changes,
      reason: { code: "ENRICHMENT_MATCH", text: "e2e: the grant editor" },
    },
  });
  const body = await res.text();
  if (res.status() === 403) expect(body).toContain("scope_denied");
  return res.status();
}

/** The policy's grant cache lives a second on each instance: the answer settles within it. */
async function expectAnswer(page: Page, changes: Record<string, string>, status: number) {
  await expect
    .poll(() => propose(page.request, changes), { timeout: 5_000, intervals: [250] })
    .toBe(status);
}

async function openAgent(page: Page) {
  await page.goto(`/agents/${fixtures().agentId}`);
  await expect(page.getByRole("heading", { name: fixtures().agentName, level: 1 })).toBeVisible();
}

test("an ops owner adds, narrows and revokes a grant, and ends an elevation early; the agent API follows", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, "ops");
  await openAgent(page);

  // before: the title is outside the agent's scope; the elevated phone is inside it
  expect(await propose(page.request, { Title: "VP RevOps" })).toBe(403);
  expect(await propose(page.request, { Phone: "+1 555 0100" })).toBe(201);

  // a permission set of its own, then its first grant (the dialog follows)
  await page.getByRole("button", { name: "New permission set" }).click();
  const setForm = page.getByRole("form", { name: "New permission set" });
  await setForm.getByLabel("Name").fill("Lead titles (e2e)");
  await setForm.getByLabel("Slug").fill("Not A Slug");
  await setForm.getByLabel("Domain").fill("lead-enrichment");
  await setForm.getByRole("button", { name: "Create set" }).click();
  await expect(setForm.getByText(/lowercase letters, digits and dashes/)).toBeVisible();
  await setForm.getByLabel("Slug").fill("lead-titles-e2e");
  await setForm.getByRole("button", { name: "Create set" }).click();
  await expect(setForm).toBeHidden();
  await expect(page.getByTestId("set-lead-titles-e2e")).toContainText("Lead titles (e2e)");

  const add = page.getByRole("form", { name: "Add grant" });
  await expect(add).toBeVisible();
  await add.getByLabel("Object").fill("Lead");
  await add.getByLabel("Fields").fill("Title, Industry");
  // the route's schema in the form: a malformed record condition names its column; no reason
  await add.getByLabel("Record condition (optional)").fill("Status = = 'Open'");
  await add.getByRole("button", { name: "Add grant" }).click();
  await expect(add.getByText(/Invalid condition at column \d+/)).toBeVisible();
  await expect(add.getByText("Say why (at least 3 characters)")).toBeVisible();
  await add.getByLabel("Record condition (optional)").fill("");
  await add.getByLabel("Reason").fill("e2e: titles from the enrichment vendor");
  await add.getByRole("button", { name: "Add grant" }).click();
  await expect(add).toBeHidden();

  const grants = page.getByTestId("agent-grants");
  const titleRow = grants.locator("tr").filter({ hasText: "Lead · update · Title, Industry" });
  await expect(titleRow).toContainText("Lead titles (e2e)");
  await expect(titleRow).toContainText("Olive Ops");
  await expect(titleRow).toContainText("standing");
  // the effect: the agent's title change now goes through (recorded: it observes)
  await expectAnswer(page, { Title: "VP RevOps" }, 201);
  await expectAnswer(page, { Industry: "Retail" }, 201);

  // widening without a reason is refused in the form, with the server's words
  await titleRow.getByRole("button", { name: /^Edit grant/ }).click();
  const edit = page.getByRole("form", { name: "Edit grant" });
  await edit.getByLabel("Fields").fill("Title, Industry, Website");
  await expect(edit.getByText("This lets the agent do more than before: say why.")).toBeVisible();
  await edit.getByRole("button", { name: "Save grant" }).click();
  await expect(edit.getByText(/Say why the agent may do more/)).toBeVisible();
  // narrowing: no reason needed
  await edit.getByLabel("Fields").fill("Title");
  await expect(edit.getByText("Narrower than before: a reason is optional.")).toBeVisible();
  await edit.getByRole("button", { name: "Save grant" }).click();
  await expect(edit).toBeHidden();
  await expect(grants).not.toContainText("Title, Industry");
  const narrowed = grants.locator("tr").filter({ hasText: "Lead titles (e2e)" });
  await expect(narrowed).toHaveCount(1);
  await expect(narrowed).toContainText("Lead · update · Title");
  await expectAnswer(page, { Industry: "Retail" }, 403);
  await expectAnswer(page, { Title: "Head of RevOps" }, 201);
  // the edit is a revocation and a new grant: the old one is in the history
  await page.getByLabel(/Show revoked/).check();
  await expect(grants.locator("tr").filter({ hasText: "Title, Industry" })).toContainText(
    "revoked",
  );
  await page.getByLabel(/Show revoked/).uncheck();

  // revoke: the title is refused again
  const row = grants.locator("tr").filter({ hasText: "Lead titles (e2e)" });
  await row.getByRole("button", { name: /^Revoke grant/ }).click();
  const revoke = page.getByRole("form", { name: "Revoke grant" });
  await revoke.getByRole("button", { name: "Revoke grant" }).click();
  await expect(revoke.getByText("Say why (at least 3 characters)")).toBeVisible();
  await revoke.getByLabel("Reason").fill("e2e: the vendor contract ended");
  await revoke.getByRole("button", { name: "Revoke grant" }).click();
  await expect(revoke).toBeHidden();
  await expect(grants.locator("tr").filter({ hasText: "Lead titles (e2e)" })).toHaveCount(0);
  await expectAnswer(page, { Title: "VP RevOps" }, 403);

  // end the elevation early: its countdown goes, and the phone is refused
  const elevation = page.locator("[data-testid^=elevation-]").filter({ hasText: "phone numbers" });
  await expect(elevation.getByTestId("elevation-state")).toHaveText(/^expires in \d+ h \d+ min$/);
  await elevation.getByRole("button", { name: "End now" }).click();
  const end = page.getByRole("form", { name: "End elevation" });
  await end.getByLabel("Reason").fill("e2e: the import is done");
  await end.getByRole("button", { name: "End it now" }).click();
  await expect(end).toBeHidden();
  await expect(elevation.getByTestId("elevation-state")).toHaveText("ended early");
  await expect(elevation.getByRole("button", { name: "End now" })).toHaveCount(0);
  await expect(grants.locator("tr").filter({ hasText: "Phone" })).toHaveCount(0);
  await expectAnswer(page, { Phone: "+1 555 0101" }, 403);

  // detach the set it made: gone from the agent's sets
  await page
    .getByTestId("set-lead-titles-e2e")
    .getByRole("button", { name: "Detach Lead titles (e2e)" })
    .click();
  const detach = page.getByRole("form", { name: "Detach permission set" });
  await detach.getByLabel("Reason").fill("e2e: no longer needed");
  await detach.getByRole("button", { name: "Detach set" }).click();
  await expect(detach).toBeHidden();
  await expect(page.getByTestId("set-lead-titles-e2e")).toHaveCount(0);
});

test("two people edit one grant: the second is told it changed, and to reload", async ({
  page,
}) => {
  await signIn(page, "ops");
  const f = fixtures();
  // a set and a grant made through the routes, then the dialog opened on them
  let res = await page.request.post(`/api/internal/agents/${f.agentId}/permission-sets`, {
    headers: fromConsole,
    data: { slug: "lead-phones-e2e", name: "Lead phones (e2e)", domain: "lead-enrichment" },
  });
  expect(res.status(), await res.text()).toBe(200);
  const { permissionSetId } = await res.json();
  res = await page.request.post(`/api/internal/agents/${f.agentId}/grants`, {
    headers: fromConsole,
    data: {
      permissionSetId,
      scope: { object: "Lead", operations: ["update"], fields: ["MobilePhone", "Phone"] },
      reason: "e2e: the concurrent edit",
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  const { grantId } = await res.json();
  await openAgent(page);
  const row = page.getByTestId(`grant-${grantId}`);
  await row.getByRole("button", { name: /^Edit grant/ }).click();
  const edit = page.getByRole("form", { name: "Edit grant" });
  await edit.getByLabel("Fields").fill("Phone");

  // meanwhile someone else revokes it
  res = await page.request.delete(`/api/internal/agents/${f.agentId}/grants/${grantId}`, {
    headers: fromConsole,
    data: { reason: "e2e: someone else" },
  });
  expect(res.status()).toBe(200);

  await edit.getByRole("button", { name: "Save grant" }).click();
  await expect(edit.getByTestId("conflict")).toContainText(
    "Changed by someone else since you opened it",
  );
  await expect(edit.getByRole("button", { name: "Reload" })).toBeVisible();
});

test("a viewer sees the grants but no way to change them, and the routes refuse them", async ({
  page,
}) => {
  await signIn(page, "vp");
  await openAgent(page);
  await expect(page.getByRole("heading", { name: "Grants", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Permission sets" })).toBeVisible();
  for (const name of [
    "Add grant",
    "Edit grant",
    "Revoke grant",
    "New permission set",
    "Attach a set",
    "Detach",
    "End now",
  ]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }

  const f = fixtures();
  const base = `/api/internal/agents/${f.agentId}`;
  const scope = { object: "Lead", operations: ["update"], fields: ["Title"] };
  const { sets } = await (await page.request.get(`${base}/grants`)).json();
  const set = (sets as { id: string; grants: { id: string }[] }[]).find((s) => s.grants.length);
  const setId = set!.id;
  const grantId = set!.grants[0].id;
  for (const [method, url, data] of [
    ["POST", `${base}/grants`, { permissionSetId: setId, scope, reason: "not mine to give" }],
    ["PUT", `${base}/grants/${grantId}`, { scope, reason: "not mine" }],
    ["DELETE", `${base}/grants/${grantId}`, { reason: "not mine" }],
    ["POST", `${base}/permission-sets`, { slug: "vp-set", name: "VP set", domain: "lead-x" }],
    ["PUT", `${base}/permission-sets/${setId}`, { reason: "not mine" }],
    ["DELETE", `${base}/permission-sets/${setId}`, { reason: "not mine" }],
  ] as const) {
    const res = await page.request.fetch(url, { method, headers: fromConsole, data });
    expect(res.status(), `${method} ${url}`).toBe(403);
    expect((await res.json()).code).toBe("forbidden");
  }
});

test("the grants card at 1024 and 1440 px: nothing clipped", async ({ page }) => {
  await signIn(page, "admin");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("/agents?env=prod");
    await page
      .getByTestId("agent-lead-routing-bot")
      .getByRole("link", { name: "Lead routing bot" })
      .click();
    const grants = page.getByTestId("agent-grants");
    await expect(grants).toBeVisible();
    // the page itself never scrolls sideways; the table scrolls in its own frame
    const wider = await page.evaluate(() => {
      const doc = document.documentElement;
      if (doc.scrollWidth <= doc.clientWidth) return [];
      // what reaches past the window's edge outside a table's own scrolling frame, to name it
      return [...document.querySelectorAll("body *")]
        .filter((el) => !el.closest("[role=region]"))
        .filter((el) => el.getBoundingClientRect().right > doc.clientWidth)
        .slice(0, 8)
        .map((el) => `${el.tagName}.${el.className} ${el.textContent?.slice(0, 40)}`);
    });
    expect(wider, `at ${width} px`).toEqual([]);
    await grants.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `test-results/grants-${width}.png`, fullPage: true });
  }
});
