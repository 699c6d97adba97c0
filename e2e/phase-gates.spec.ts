import { expect, test, type Page } from "@playwright/test";
import { fromConsole, signIn } from "./helpers";

// A fresh agent in dev (its own slug): its promotion and incident change nothing another spec
// reads.
async function shoot(page: Page, name: string) {
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
  }
  await test.info().attach(name, { path: test.info().outputPath(`${name}-1440.png`) });
}

test("an ops owner promotes an agent only once its gate is met; incidents are triaged", async ({
  page,
  browser,
}) => {
  const slug = `gate-${Date.now().toString(36)}`;
  await signIn(page, "ops");
  await page.goto("/agents?env=dev");
  await page.getByRole("button", { name: "New agent" }).click();
  const create = page.getByRole("form", { name: "New agent" });
  await create.getByLabel("Slug").fill(slug);
  await create.getByLabel("Name").fill("Gate pilot bot");
  await create.getByLabel("Owner").selectOption({ label: "Olive Ops (ops@tollgate.demo)" });
  await create.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { name: "Gate pilot bot", level: 1 })).toBeVisible();
  const agentUrl = page.url();
  const agentId = agentUrl.split("/").pop()!;

  // the gate: each criterion with its evidence and links to the requests behind it
  const gate = page.getByTestId("phase-gate");
  await expect(gate.getByTestId("gate-phase")).toHaveText("observe");
  const proposals = gate.getByTestId("criterion-proposals");
  await expect(proposals).toHaveAttribute("data-met", "false");
  await expect(proposals).toContainText("At least 200 proposals in observe phase");
  await expect(proposals).toContainText(/0 proposals since/);
  await expect(proposals.getByRole("link", { name: "0 proposals" })).toHaveAttribute(
    "href",
    new RegExp(`/requests\\?agent=${agentId}&environment=dev&origin=agent`),
  );
  await expect(gate.getByTestId("criterion-reversal")).toContainText("Not measured in observe");
  await expect(gate.getByTestId("gate-criteria-source")).toContainText("Default criteria");
  // the ops owner may promote, not set the criteria
  await expect(gate.getByRole("button", { name: "Set criteria" })).toHaveCount(0);
  await shoot(page, "agent-gate-unmet");

  // promotion with a criterion unmet: the dialog shows the record, and the server refuses
  await gate.getByRole("button", { name: "Promote to propose" }).click();
  let dialog = page.getByRole("dialog", { name: "Promote Gate pilot bot to propose" });
  await expect(dialog.getByTestId("promotion-record")).toContainText("Proposals in observe0");
  await expect(dialog.getByText("the promotion will be refused")).toBeVisible();
  await dialog.getByRole("button", { name: "Promote to propose" }).click();
  await expect(dialog.getByText("Say why (at least 3 characters)")).toBeVisible();
  await dialog.getByLabel("Reason").fill("Pilot looks good");
  await dialog.getByRole("button", { name: "Promote to propose" }).click();
  await expect(dialog.getByTestId("phase-error")).toHaveText(
    "Refused: not every criterion is met.",
  );
  await expect(dialog).toContainText("At least 200 proposals in observe phase: 0 proposals since");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("agent-badges")).toContainText("observe");
  // the same through the route, without the page
  const refused = await page.request.post(`/api/internal/agents/${agentId}/phase`, {
    headers: fromConsole,
    data: { from: "observe", to: "propose", reason: "straight to the route" },
  });
  expect(refused.status()).toBe(409);
  expect((await refused.json()).code).toBe("criteria_unmet");

  // the ops owner logs an incident about the agent (untriaged: it blocks promotion too)
  await page.goto("/incidents");
  await page.getByRole("button", { name: "Open an incident" }).click();
  dialog = page.getByRole("dialog", { name: "Open an incident" });
  await dialog.getByLabel("Agent").selectOption({ label: "Gate pilot bot · Development" });
  await dialog.getByLabel("What happened").fill("Owner reassigned on the wrong accounts");
  await dialog.getByLabel("Reason").fill("Reported by the EMEA sales team");
  await dialog.getByRole("button", { name: "Open incident" }).click();
  await expect(dialog).toBeHidden();
  const row = page.locator("[data-testid^=incident-]").filter({ hasText: "wrong accounts" });
  await expect(row.getByTestId("incident-severity")).toHaveText("untriaged");

  // the risk owner lowers the bar to what a pilot can show
  const risky = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const risk = await risky.newPage();
  await signIn(risk, "risk");
  await risk.goto(agentUrl);
  const riskGate = risk.getByTestId("phase-gate");
  await expect(riskGate.getByRole("button", { name: /Promote/ })).toHaveCount(0);
  await riskGate.getByRole("button", { name: "Set criteria" }).click();
  const criteria = risk.getByRole("form", { name: "Promotion criteria" });
  await criteria.getByLabel("Proposals in the current phase, at least").fill("0");
  await criteria.getByLabel("Reversal rate under (%)").fill("150");
  await criteria.getByLabel("Reason").fill("Pilot: no volume needed in observe");
  await criteria.getByRole("button", { name: "Save criteria" }).click();
  await expect(criteria.getByText("Reversal rate: at most 100 %")).toBeVisible();
  await criteria.getByLabel("Reversal rate under (%)").fill("2");
  await criteria.getByRole("button", { name: "Save criteria" }).click();
  await expect(criteria).toBeHidden();
  await expect(riskGate.getByTestId("gate-criteria-source")).toContainText(
    "Criteria set by Rita Risk",
  );
  await risky.close();

  // the proposals are met now, the untriaged incident is not
  await page.goto(agentUrl);
  await expect(gate.getByTestId("criterion-proposals")).toHaveAttribute("data-met", "true");
  const incidents = gate.getByTestId("criterion-incidents");
  await expect(incidents).toHaveAttribute("data-met", "false");
  await expect(incidents).toContainText("1 open incidents without a severity");

  // triage on the incidents page, filtered to the agent
  await incidents.getByRole("link", { name: "Incidents" }).click();
  await expect(page).toHaveURL(new RegExp(`/incidents\\?agent=${agentId}`));
  await row.getByRole("button", { name: /Set severity/ }).click();
  dialog = page.getByRole("dialog", { name: "Set severity" });
  await dialog.getByLabel("Severity", { exact: true }).selectOption("P2");
  await dialog.getByLabel("Reason").fill("Reverted by hand within the hour, no data lost");
  await dialog.getByRole("button", { name: "Set severity" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId("incident-severity")).toContainText("P2");
  await expect(row).toContainText("Olive Ops: “Reverted by hand within the hour");
  await shoot(page, "incidents");

  // every criterion met: the promotion goes through
  await page.goto(agentUrl);
  await expect(gate.getByTestId("criterion-incidents")).toHaveAttribute("data-met", "true");
  await gate.getByRole("button", { name: "Promote to propose" }).click();
  dialog = page.getByRole("dialog", { name: "Promote Gate pilot bot to propose" });
  await expect(dialog.getByText("the promotion will be refused")).toHaveCount(0);
  await dialog.getByLabel("Reason").fill("Gate met: pilot approved by RevOps");
  await dialog.getByRole("button", { name: "Promote to propose" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("agent-badges")).toContainText("propose");
  await expect(gate.getByTestId("gate-phase")).toHaveText("propose");
  await expect(gate.getByRole("table", { name: "Phase changes" })).toContainText(
    "Gate met: pilot approved by RevOps",
  );
  await expect(gate.getByRole("table", { name: "Phase changes" })).toContainText("Olive Ops");
  await shoot(page, "agent-gate-promoted");
});
