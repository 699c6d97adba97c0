import { expect, test, type APIRequestContext } from "@playwright/test";
import { SalesforceConnector } from "../lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS } from "../lib/connectors/salesforce-sandbox/server-auth";
import type { TE2eFixtures } from "./fixtures/prepare";
import { demoUser, signIn, fromConsole } from "./helpers";

/**
 * The approver's loop: filter the inbox, recognise each request by its record (name, account,
 * amount, stage, owner), open one, read the diff and evidence, approve; the worker writes it to
 * Salesforce; the next approver no longer sees it. The `a` key holds its approval for a few
 * seconds with an Undo. Approvals need no reason, denials always do (one and many), and a
 * viewer cannot decide (the server refuses, not just the page). A decided request opened by
 * link says what happened to it.
 */
test.describe("approval inbox", () => {
  const fixtures = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  const { toApprove, toDeny, approveOpp, byKey, bulk, decided, summaries } = fixtures.inbox;
  const nameOf = (id: string) => summaries[id]!.name!;
  const amount = (n: number | null) =>
    n === null ? "" : new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(n);
  const sf = new SalesforceConnector({
    loginUrl: process.env.E2E_SANDBOX_URL!,
    apiVersion: "62.0",
    ...DEFAULT_SANDBOX_CREDENTIALS,
  });
  /** The request's status as its agent reads it (GET /api/agent/v1/action-requests/{id}). */
  const statusOf = async (request: APIRequestContext, id: string) => {
    const res = await request.get(`/api/agent/v1/action-requests/${id}`, {
      headers: { authorization: `Bearer ${fixtures.agentKey}` },
    });
    expect(res.status()).toBe(200);
    return ((await res.json()) as { status: string }).status;
  };

  // the first test also waits for the server's first renders
  test.describe.configure({ timeout: 60_000 });

  test("the list names each record with its account, amount, stage and owner", async ({ page }) => {
    await signIn(page, "approver");
    await page.goto("/inbox?agent=pipeline-hygiene-bot&environment=prod");
    const s = summaries[toApprove]!;
    expect(s.name && s.account && s.stage && s.owner && s.amount !== null).toBeTruthy();
    const row = page.locator(`[data-id="${toApprove}"]`);
    await expect(row.getByTestId("record-name")).toHaveText(s.name!);
    for (const part of [s.account!, amount(s.amount), s.stage!, s.owner!])
      await expect(row).toContainText(part);
    // no cut-off record id in place of a name
    await expect(row).not.toContainText(approveOpp.slice(0, 8));

    await row.getByRole("button").click();
    const facts = page
      .getByRole("region", { name: `Request ${toApprove}` })
      .getByRole("table", { name: "Record" });
    await expect(facts).toContainText("In Salesforce now");
    for (const part of [s.name!, s.account!, s.owner!]) await expect(facts).toContainText(part);
  });

  test("an approver filters, reviews the diff and evidence, approves; it executes", async ({
    page,
  }) => {
    await signIn(page, "approver");
    await page.goto("/inbox");
    await page.getByLabel("Agent").selectOption("pipeline-hygiene-bot");
    await page.getByLabel("Environment").selectOption("prod");
    await expect(page).toHaveURL(/agent=pipeline-hygiene-bot/);
    await expect(page).toHaveURL(/environment=prod/);
    await expect(page.getByLabel("Agent")).toHaveValue("pipeline-hygiene-bot");

    await page.locator(`[data-id="${toApprove}"] button`).click();
    const detail = page.getByRole("region", { name: `Request ${toApprove}` });
    const diff = detail.getByRole("table", { name: "Diff" });
    await expect(diff).toContainText("NextStep");
    await expect(diff).toContainText("Send order form (e2e)");
    const { record } = await sf.read("Opportunity", approveOpp, ["NextStep"]);
    await expect(diff).toContainText(String(record.NextStep));
    await expect(detail.getByRole("list", { name: "Evidence" })).toContainText(
      "https://crm.example.test/calls/42",
    );
    await expect(detail).toContainText("opportunity.change_stage/late-stage");
    await expect(detail).toContainText(/due in \d+m/);

    // no reason needed to approve
    await expect(detail.getByLabel(/Reason/)).toHaveValue("");
    await detail.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status")).toContainText(`Approved ${nameOf(toApprove)}`);
    await expect(page.locator(`[data-id="${toApprove}"]`)).toHaveCount(0);

    await expect
      .poll(() => statusOf(page.request, toApprove), { timeout: 15_000 })
      .toBe("succeeded");
    const after = await sf.read("Opportunity", approveOpp, ["NextStep"]);
    expect(after.record.NextStep).toBe("Send order form (e2e)");
  });

  test("a second approver no longer sees it", async ({ page }) => {
    await signIn(page, "dealdesk");
    await page.goto("/inbox");
    await expect(page.locator(`[data-id="${toDeny}"]`)).toHaveCount(1);
    await expect(page.locator(`[data-id="${toApprove}"]`)).toHaveCount(0);
  });

  test("a denial needs a reason", async ({ page }) => {
    await signIn(page, "approver");
    await page.goto(`/inbox?request=${toDeny}`);
    const detail = page.getByRole("region", { name: `Request ${toDeny}` });
    await detail.getByRole("button", { name: "Deny" }).click();
    await expect(detail.getByRole("alert")).toContainText("reason is required");
    // the server says the same to anyone skipping the page
    const bare = await page.request.post(`/api/internal/inbox/${toDeny}/decision`, {
      headers: fromConsole,
      data: { decision: "deny" },
    });
    expect(bare.status()).toBe(400);
    expect(await bare.json()).toMatchObject({ code: "invalid_body" });
    expect(await statusOf(page.request, toDeny)).toBe("pending_approval");

    await detail.getByLabel(/Reason/).fill("Discount needs deal desk sign-off first");
    await detail.getByRole("button", { name: "Deny" }).click();
    await expect(page.getByRole("status")).toContainText(`Denied ${nameOf(toDeny)}`);
    expect(await statusOf(page.request, toDeny)).toBe("denied");
  });

  test("the a key holds the approval for a few seconds: Undo keeps it waiting, else it goes", async ({
    page,
  }) => {
    await signIn(page, "approver");
    await page.goto(`/inbox?request=${byKey}`);
    const detail = page.getByRole("region", { name: `Request ${byKey}` });
    await expect(detail.getByRole("table", { name: "Diff" })).toBeVisible();
    const row = page.locator(`[data-id="${byKey}"]`);
    const toast = page.getByRole("status", { name: "Approval to undo" });

    await page.keyboard.press("a");
    await expect(toast).toContainText(`Approved ${nameOf(byKey)}`);
    await expect(row).toHaveCount(0);
    // held back, not sent: the server still has it waiting
    expect(await statusOf(page.request, byKey)).toBe("pending_approval");
    await toast.getByRole("button", { name: "Undo" }).click();
    await expect(toast).toHaveCount(0);
    await expect(row).toHaveCount(1);
    await expect(detail).toBeVisible();
    // past the window: nothing was sent
    await page.waitForTimeout(6_000);
    expect(await statusOf(page.request, byKey)).toBe("pending_approval");

    await page.keyboard.press("a");
    await expect(toast).toContainText(`Approved ${nameOf(byKey)}`);
    expect(await statusOf(page.request, byKey)).toBe("pending_approval");
    await expect(toast).toHaveCount(0, { timeout: 8_000 });
    await expect(page.getByRole("status")).toContainText(
      `Approved ${nameOf(byKey)}: queued for execution`,
    );
    await expect
      .poll(() => statusOf(page.request, byKey), { timeout: 15_000 })
      .not.toBe("pending_approval");
  });

  test("a selection is approved without a reason; denying it needs one", async ({ page }) => {
    await signIn(page, "approver");
    await page.goto("/inbox?agent=pipeline-hygiene-bot&environment=prod");
    for (const id of bulk) await page.locator(`[data-id="${id}"] input[type=checkbox]`).check();
    await page.getByRole("button", { name: "Deny selected" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "reason is required" })).toBeVisible();
    await expect(page.getByLabel("Reason for the selection")).toBeFocused();
    // the server refuses a reasonless bulk denial too
    const bare = await page.request.post("/api/internal/inbox/bulk", {
      headers: fromConsole,
      data: { ids: bulk, decision: "deny" },
    });
    expect(bare.status()).toBe(400);
    for (const id of bulk) expect(await statusOf(page.request, id)).toBe("pending_approval");

    await page.getByRole("button", { name: "Approve selected" }).click();
    await expect(page.getByRole("status")).toContainText("Approved 2 of 2.");
    for (const id of bulk) {
      await expect(page.locator(`[data-id="${id}"]`)).toHaveCount(0);
      expect(await statusOf(page.request, id)).not.toBe("pending_approval");
    }
  });

  test("a decided request opened by link says what happened to it", async ({ page }) => {
    await signIn(page, "approver");
    const denied = await page.request.post(`/api/internal/inbox/${decided}/decision`, {
      headers: fromConsole,
      data: { decision: "deny", reason: "Trial extensions need a signed order (e2e)" },
    });
    expect(denied.status()).toBe(200);

    await page.goto(`/inbox?request=${decided}`);
    const detail = page.getByRole("region", { name: `Request ${decided}` });
    await expect(detail.getByRole("heading", { level: 2 })).toHaveText(nameOf(decided));
    const what = detail.getByRole("group", { name: "What happened" });
    await expect(what).toContainText("No longer waiting");
    await expect(what).toContainText("denied");
    await expect(what).toContainText(`${demoUser("approver").name} denied it`);
    await expect(what).toContainText("Trial extensions need a signed order (e2e)");
    await expect(what).toContainText(/Decided at\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    // no decision form for it, and no other request shown in its place
    await expect(detail.getByRole("button", { name: "Approve" })).toHaveCount(0);
    await expect(page.getByRole("region", { name: /^Request ar_/ })).toHaveCount(1);

    await page.goto("/inbox?request=ar_no_such_request");
    await expect(page.getByRole("region", { name: "Request not found" })).toContainText(
      "ar_no_such_request",
    );
    await expect(page.getByRole("region", { name: /^Request ar_/ })).toHaveCount(0);
  });

  test("at 1024 and 1440 px the inbox neither scrolls sideways nor clips its tables", async ({
    page,
  }) => {
    await signIn(page, "approver");
    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      for (const id of [bulk[0], toDeny]) {
        await page.goto(`/inbox?request=${id}`);
        const detail = page.getByRole("region", { name: `Request ${id}` });
        await expect(detail.getByRole("table", { name: "Diff" })).toBeVisible();
        const problems = await page.evaluate(() => {
          const out: string[] = [];
          const doc = document.documentElement;
          if (doc.scrollWidth > doc.clientWidth)
            out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
          // each table's right edge is on screen, or inside a box that scrolls sideways
          for (const t of document.querySelectorAll("table")) {
            let right = t.getBoundingClientRect().right;
            for (let el = t.parentElement; el && el !== doc; el = el.parentElement) {
              const o = getComputedStyle(el).overflowX;
              if (o === "auto" || o === "scroll") right = el.getBoundingClientRect().right;
              else if (o !== "visible" && right > el.getBoundingClientRect().right + 1)
                out.push(`table ${t.getAttribute("aria-label")} clipped`);
            }
            if (right > doc.clientWidth + 1)
              out.push(`table ${t.getAttribute("aria-label")} off screen at ${right}`);
          }
          return out;
        });
        expect(problems, `${width} px, ${id}`).toEqual([]);
        if (process.env.INBOX_SCREENSHOTS)
          await page.screenshot({
            path: `${process.env.INBOX_SCREENSHOTS}/inbox-${width}-${id}.png`,
            fullPage: true,
          });
      }
    }
  });

  test("a viewer cannot open the inbox or decide", async ({ page }) => {
    await signIn(page, "vp");
    await page.goto("/inbox");
    await expect(page).toHaveURL(/\/forbidden/);
    const res = await page.request.post(`/api/internal/inbox/${toDeny}/decision`, {
      headers: fromConsole,
      data: { decision: "approve" },
    });
    expect(res.status()).toBe(403);
    expect(res.headers()["content-type"]).toContain("application/problem+json");
  });
});
