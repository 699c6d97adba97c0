import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { SalesforceConnector } from "../lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS, demoRecordIds } from "../lib/connectors/salesforce-sandbox";
import type { TE2eFixtures } from "./fixtures/prepare";
import { fromConsole, signIn } from "./helpers";

const STAGE = "opportunity.change_stage";
const VERSIONS = "/api/internal/policy-matrix/versions";

type TVersion = { id: string; version: number; status: string };

async function versions(request: APIRequestContext): Promise<TVersion[]> {
  const res = await request.get(VERSIONS);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { versions: TVersion[] }).versions;
}

async function signOut(page: Page) {
  await page.context().clearCookies();
}

test.describe.serial("the matrix editor", () => {
  test.describe.configure({ timeout: 90_000 });
  const fixtures = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  let original: TVersion;
  let draftUrl = "";

  test.afterAll(async ({ browser }) => {
    // later specs see the seed's rules again: discard a leftover draft, roll back to the original
    const page = await browser.newPage();
    await signIn(page, "admin");
    const all = await versions(page.request);
    for (const d of all.filter((v) => v.status === "draft"))
      await page.request.post(`${VERSIONS}/${d.id}/discard`, {
        headers: fromConsole,
        data: { reason: "e2e cleanup" },
      });
    const active = all.find((v) => v.status === "active");
    if (original && active && active.id !== original.id) {
      const res = await page.request.post(`${VERSIONS}/${original.id}/rollback`, {
        headers: fromConsole,
        data: { reason: "restore the seed's rules after the matrix editor spec" },
      });
      expect(res.status()).toBe(200);
    }
    await page.close();
  });

  test("an ops owner drafts 'a stage change needs 2 approvals' and sees the diff and the simulation", async ({
    page,
  }) => {
    await signIn(page, "ops");
    original = (await versions(page.request)).find((v) => v.status === "active")!;
    await page.goto("/policy");
    await page.getByRole("button", { name: "Start a draft" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("(draft)");
    draftUrl = new URL(page.url()).pathname;

    await page.getByRole("button", { name: "Edit Change stage" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit rule: Change stage" });
    // the condition language's errors show as you type, with the place in the text
    await dialog.getByRole("button", { name: "Add a condition" }).click();
    const when = dialog.getByLabel("When").last();
    await when.fill("Amount >= 100000 and (StageName = 'x'");
    await expect(dialog.getByText(/^Column 38: expected "\)"/)).toBeVisible();
    await expect(dialog.getByTestId("condition-error-position")).toBeVisible();
    await when.fill("Amount >= 100000");
    await expect(dialog.getByTestId("condition-error-position")).toHaveCount(0);
    await dialog
      .getByRole("button", { name: /^Remove condition/ })
      .last()
      .click();

    await dialog.getByLabel("Required approvals").fill("2");
    await dialog.getByRole("button", { name: "Save to draft" }).click();
    await expect(dialog).toBeHidden();

    const diff = page.getByTestId(`diff-${STAGE}`);
    await expect(diff).toContainText("Required approvals");
    await expect(diff).toContainText("1");
    await expect(diff).toContainText("2");

    await page.getByRole("button", { name: "Run simulation" }).click();
    await expect(page.getByTestId("simulation-summary")).toContainText(
      /of [\d,]+ recorded requests would get another outcome \(opportunity\.change_stage\)/,
    );
    // an ops owner cannot publish: no button, and the API refuses
    await expect(page.getByRole("button", { name: "Publish" })).toHaveCount(0);
    const id = draftUrl.split("/").pop()!;
    const res = await page.request.post(`${VERSIONS}/${id}/publish`, {
      headers: fromConsole,
      data: { reason: "my own" },
    });
    expect(res.status()).toBe(403);
  });

  test("an admin who edited the draft cannot publish it either", async ({ page }) => {
    await signIn(page, "admin");
    await page.goto(draftUrl);
    await page.getByRole("button", { name: "Edit Change stage" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit rule: Change stage" });
    await dialog.getByLabel("SLA (minutes)").fill("180");
    await dialog.getByRole("button", { name: "Save to draft" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("version-authors")).toContainText("edited by");
    await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();
    await expect(page.getByTestId("not-yours")).toContainText("another risk owner or admin");
    const res = await page.request.post(`${VERSIONS}/${draftUrl.split("/").pop()}/publish`, {
      headers: fromConsole,
      data: { reason: "I only changed the SLA" },
    });
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("separation_of_duties");
    await signOut(page);
  });

  test("a risk owner publishes it, and the next agent request needs 2 approvals", async ({
    page,
  }) => {
    await signIn(page, "risk");
    await page.goto(draftUrl);
    await page.getByRole("button", { name: "Publish" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish this draft" });
    await dialog.getByRole("button", { name: "Publish draft" }).click();
    // a reason is asked for
    await expect(dialog.getByText(/Say why/)).toBeVisible();
    await dialog.getByLabel("Why?").fill("Stage changes need a second approver this quarter");
    await dialog.getByRole("button", { name: "Publish draft" }).click();
    await expect(page.getByRole("heading", { level: 1 })).not.toContainText("(draft)");
    await page.goto("/policy");
    await expect(page.getByTestId("matrix-version")).toContainText("Risk");
    await expect(page.getByTestId(`rule-${STAGE}`)).toContainText("2 approvals");

    // the agent API: an open opportunity the hygiene bot may touch
    const sf = new SalesforceConnector({
      loginUrl: process.env.E2E_SANDBOX_URL!,
      apiVersion: "62.0",
      ...DEFAULT_SANDBOX_CREDENTIALS,
    });
    let target: { id: string; stage: string } | null = null;
    for (const id of demoRecordIds().opportunities.slice(100, 140)) {
      const { record } = await sf.read("Opportunity", id, ["IsClosed", "Amount", "StageName"]);
      if (
        record.IsClosed === false &&
        typeof record.Amount === "number" &&
        record.Amount < 500_000
      ) {
        target = { id, stage: String(record.StageName) };
        break;
      }
    }
    expect(target).not.toBeNull();
    const res = await page.request.post("/api/agent/v1/action-requests", {
      headers: { authorization: `Bearer ${fixtures.agentKey}` },
      data: {
        idempotencyKey: `e2e-matrix-${Date.now()}`,
        workflow: { key: "pipeline-hygiene" },
        actionType: STAGE,
        target: { system: "salesforce", object: "Opportunity", recordId: target!.id },
        changes: {
          StageName: target!.stage === "Qualification" ? "Needs Analysis" : "Qualification",
        },
        reason: { code: "MEETING_HELD", text: "e2e: the matrix editor" },
        evidence: [{ type: "call_summary", ref: "gong:call/e2e" }],
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    const body = (await res.json()) as { status: string; decision: { reasons: string[] } };
    expect(body.status).toBe("pending_approval");
    expect(body.decision.reasons.join("\n")).toMatch(/Needs 2 approvals/);
  });
});
