import { expect, test, type APIRequestContext } from "@playwright/test";
import { SalesforceConnector } from "../lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS } from "../lib/connectors/salesforce-sandbox/server-auth";
import type { TE2eFixtures } from "./fixtures/prepare";
import { signIn } from "./helpers";

/**
 * The approver's loop: filter the inbox, open a request, read the diff and evidence, approve;
 * the worker writes it to Salesforce; the next approver no longer sees it. Denials need a
 * reason, and a viewer cannot decide (the server refuses, not just the page).
 */
test.describe("approval inbox", () => {
  const fixtures = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  const { toApprove, toDeny, approveOpp } = fixtures.inbox;
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

    await detail.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status")).toContainText(`Approved ${toApprove}`);
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
      data: { decision: "deny" },
    });
    expect(bare.status()).toBe(400);
    expect(await bare.json()).toMatchObject({ code: "invalid_body" });
    expect(await statusOf(page.request, toDeny)).toBe("pending_approval");

    await detail.getByLabel(/Reason/).fill("Discount needs deal desk sign-off first");
    await detail.getByRole("button", { name: "Deny" }).click();
    await expect(page.getByRole("status")).toContainText(`Denied ${toDeny}`);
    expect(await statusOf(page.request, toDeny)).toBe("denied");
  });

  test("a viewer cannot open the inbox or decide", async ({ page }) => {
    await signIn(page, "vp");
    await page.goto("/inbox");
    await expect(page).toHaveURL(/\/forbidden/);
    const res = await page.request.post(`/api/internal/inbox/${toDeny}/decision`, {
      data: { decision: "approve" },
    });
    expect(res.status()).toBe(403);
    expect(res.headers()["content-type"]).toContain("application/problem+json");
  });
});
