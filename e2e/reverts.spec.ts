import { expect, test } from "@playwright/test";
import { SalesforceConnector } from "../lib/connectors/salesforce";
import { DEFAULT_SANDBOX_CREDENTIALS } from "../lib/connectors/salesforce-sandbox/server-auth";
import type { TE2eFixtures } from "./fixtures/prepare";
import { fromConsole, signIn } from "./helpers";

/**
 * An ops owner reads why a stage changed on the request's page, asks for it to be reverted,
 * an approver of the write's group approves the revert, the worker executes it, and the ops
 * owner's page shows the write reverted without a reload.
 */
test("ops reverts a stage change Tollgate wrote; deal desk approves; the page follows", async ({
  page,
  browser,
}) => {
  const { revert } = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  const sf = new SalesforceConnector({
    loginUrl: process.env.E2E_SANDBOX_URL!,
    apiVersion: "62.0",
    ...DEFAULT_SANDBOX_CREDENTIALS,
  });
  const stage = async () =>
    (await sf.read("Opportunity", revert.recordId, ["StageName"])).record.StageName;
  expect(await stage()).toBe(revert.stageWritten);

  await signIn(page, "ops");
  // the search box on every page: the record's timeline says why the stage changed
  await page
    .getByRole("search", { name: "Find a record" })
    .getByRole("textbox")
    .fill(revert.recordId);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/records/${revert.recordId}$`));
  const timeline = page.getByTestId("record-timeline");
  const entry = timeline.getByTestId(`tl-${revert.requestId}`);
  await expect(entry).toContainText("Call notes say legal review started (e2e)");
  await expect(entry).toContainText(`StageName: ${revert.stageBefore} → ${revert.stageWritten}`);
  await expect(entry).toContainText("in Salesforce's field history");
  await entry.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/requests/${revert.requestId}$`));
  const history = page.getByTestId("request-history");
  await expect(history).toContainText("Call notes say legal review started (e2e)");
  const fields = page.getByRole("table", { name: "Field changes" });
  await expect(fields).toContainText("StageName");
  await expect(fields).toContainText(revert.stageWritten);
  await expect(page.getByTestId("rq-timeline")).toContainText("record.updated");

  await page.getByRole("button", { name: "Revert…" }).click();
  const dialog = page.getByRole("dialog");
  const row = dialog.getByTestId("revert-field-StageName");
  await expect(row).toContainText(revert.stageBefore);
  await expect(row).toContainText("will be restored");
  // no reason: the server's answer shows by the field, nothing is created
  await dialog.getByRole("button", { name: "Ask to revert 1 field" }).click();
  await expect(dialog).toContainText("reason");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`revert-dialog-${width}.png`) });
  }
  await dialog.getByLabel("Why revert it?").fill("The stage moved on a misread call note");
  await dialog.getByRole("button", { name: "Ask to revert 1 field" }).click();
  const done = dialog.getByTestId("revert-requested");
  await expect(done).toContainText("waiting for approval by deal desk");
  const revertId = (await done.getByRole("link").textContent())!.trim();
  await done.getByRole("button", { name: "Close" }).click();
  await expect(page.getByTestId("rq-reverts")).toContainText(revertId);
  await expect(page.getByRole("button", { name: "Revert…" })).toBeDisabled();

  // the ops owner may not decide it; deal desk approves it
  const self = await page.request.post(`/api/internal/inbox/${revertId}/decision`, {
    headers: fromConsole,
    data: { decision: "approve" },
  });
  expect(self.status()).toBe(403);
  const other = await browser.newContext();
  const approver = await other.newPage();
  await signIn(approver, "dealdesk");
  await approver.goto(`/requests/${revertId}`);
  await expect(approver.getByTestId("request-history")).toContainText(
    `This request reverts ${revert.requestId}`,
  );
  const decision = await approver.request.post(`/api/internal/inbox/${revertId}/decision`, {
    headers: fromConsole,
    data: { decision: "approve", reason: "Confirmed with the AE" },
  });
  expect(decision.status()).toBe(200);
  await other.close();

  // the worker executes it; the ops owner's page follows on its own
  await expect(history.getByText("reverted", { exact: true }).first()).toBeVisible({
    timeout: 30_000,
  });
  await expect(page.getByTestId("rq-reverts")).toContainText("succeeded");
  await expect(page.getByTestId("rq-timeline")).toContainText("action_request.reverted");
  expect(await stage()).toBe(revert.stageBefore);
  await page.screenshot({
    path: test.info().outputPath("request-reverted-1440.png"),
    fullPage: true,
  });
  // the timeline shows the revert on top, the write marked reverted
  await page.goto(`/records/${revert.recordId}`);
  await expect(timeline.getByTestId(`tl-${revertId}`)).toContainText(
    `StageName: ${revert.stageWritten} → ${revert.stageBefore}`,
  );
  await expect(timeline.getByTestId(`tl-${revert.requestId}`)).toContainText("reverted");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({
      path: test.info().outputPath(`record-timeline-${width}.png`),
      fullPage: true,
    });
  }
});

/**
 * A create's revert deletes the record it made: the ops owner's dialog says so, and the approver
 * reads in the inbox that approving deletes the lead; a selection cannot approve it, only the
 * request opened on its own can. The worker deletes the lead.
 */
test("a revert that deletes a lead says so to whoever asks and whoever approves", async ({
  page,
  browser,
}) => {
  const { createdLead } = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  const sf = new SalesforceConnector({
    loginUrl: process.env.E2E_SANDBOX_URL!,
    apiVersion: "62.0",
    ...DEFAULT_SANDBOX_CREDENTIALS,
  });
  const leadExists = () =>
    sf.read("Lead", createdLead.leadId, ["LastName"]).then(
      () => true,
      () => false,
    );
  expect(await leadExists()).toBe(true);

  await signIn(page, "ops");
  await page.goto(`/requests/${createdLead.requestId}`);
  await page.getByRole("button", { name: "Revert…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("revert-delete")).toContainText("it will be deleted");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`revert-delete-dialog-${width}.png`) });
  }
  await dialog.getByLabel("Why revert it?").fill("The agent made a duplicate of an existing lead");
  await dialog.getByRole("button", { name: "Ask to delete the record" }).click();
  const done = dialog.getByTestId("revert-requested");
  const revertId = (await done.getByRole("link").textContent())!.trim();
  await done.getByRole("button", { name: "Close" }).click();

  const other = await browser.newContext();
  const approver = await other.newPage();
  await signIn(approver, "approver");
  await approver.goto(`/inbox?request=${revertId}`);
  const row = approver.locator(`[data-id="${revertId}"]`);
  await expect(row).toContainText("revert · deletes");
  await expect(row).toContainText(`Deletes Lead ${createdLead.leadId}`);
  const note = approver.getByTestId("revert-note");
  await expect(note).toContainText(`Approving deletes Lead ${createdLead.leadId}`);
  await expect(note.getByTestId("revert-asked")).toContainText(
    "Olive Ops asked: “The agent made a duplicate of an existing lead”",
  );
  // the `a` key does not approve it: the detail's button does
  await approver.keyboard.press("a");
  await expect(approver.getByText("deletes a record: use its Approve button")).toBeVisible();
  for (const width of [1024, 1440]) {
    await approver.setViewportSize({ width, height: 900 });
    await approver.screenshot({ path: test.info().outputPath(`inbox-revert-delete-${width}.png`) });
  }
  // a selection does not approve it: the server refuses that one, nothing is decided
  const bulk = await approver.request.post("/api/internal/inbox/bulk", {
    headers: fromConsole,
    data: { ids: [revertId], decision: "approve" },
  });
  expect(bulk.status()).toBe(200);
  expect((await bulk.json()).results).toEqual([
    expect.objectContaining({ id: revertId, ok: false, code: "single_review_required" }),
  ]);
  // opened on its own, it is approved; the worker deletes the lead
  await approver
    .getByRole("region", { name: `Request ${revertId}` })
    .getByRole("button", { name: "Approve" })
    .click();
  await expect.poll(leadExists, { timeout: 30_000 }).toBe(false);
  await other.close();
  await page.reload();
  await expect(page.getByTestId("rq-reverts")).toContainText("succeeded");
  await expect(page.getByTestId("rq-timeline")).toContainText("action_request.reverted");
});
