import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("an ops owner creates an agent, edits it, suspends, resumes and retires it", async ({
  page,
}) => {
  const slug = `e2e-${Date.now().toString(36)}`;
  await signIn(page, "ops");
  await page.goto("/agents?env=dev");
  await page.getByRole("button", { name: "New agent" }).click();
  const create = page.getByRole("form", { name: "New agent" });
  await create.getByLabel("Slug").fill("Not A Slug");
  await create.getByLabel("Name").fill("Renewal bot");
  await create.getByRole("button", { name: "Create agent" }).click();
  // the route's own schema, in the form
  await expect(create.getByText(/lowercase letters, digits and dashes/)).toBeVisible();
  await expect(create.getByText("Choose an owner")).toBeVisible();

  await create.getByLabel("Slug").fill(slug);
  await create.getByLabel("Description (optional)").fill("Proposes renewal opportunities");
  await create.getByLabel("Owner").selectOption({ label: "Ada Admin (admin@tollgate.demo)" });
  await create.getByRole("button", { name: "Create agent" }).click();

  await expect(page.getByRole("heading", { name: "Renewal bot", level: 1 })).toBeVisible();
  await expect(page.getByTestId("agent-owner")).toContainText("Ada Admin");
  await expect(page.getByTestId("agent-badges")).toContainText("observe");
  await expect(page.getByTestId("agent-badges")).toContainText("active");

  // raising a limit asks for a reason
  await page.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("form", { name: "Edit agent" });
  await edit.getByLabel("Calls per minute").fill("240");
  await edit.getByLabel("Owner").selectOption({ label: "Olive Ops (ops@tollgate.demo)" });
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByText(/Say why the limit goes up/)).toBeVisible();
  await edit.getByLabel("Reason").fill("Renewal season");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByText("240 per minute")).toBeVisible();
  await expect(page.getByTestId("agent-owner")).toContainText("Olive Ops");

  await page.getByRole("button", { name: "Suspend" }).click();
  const status = page.getByRole("form", { name: "Status change" });
  await status.getByLabel("Reason").fill("Pausing during the audit");
  await status.getByRole("button", { name: "Suspend agent" }).click();
  await expect(page.getByTestId("agent-badges")).toContainText("suspended");

  await page.getByRole("button", { name: "Resume" }).click();
  await status.getByLabel("Reason").fill("Audit done");
  await status.getByRole("button", { name: "Resume agent" }).click();
  await expect(page.getByTestId("agent-badges")).toContainText("active");

  await page.getByRole("button", { name: "Retire" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Retirement is final");
  await status.getByLabel("Reason").fill("Replaced");
  await status.getByRole("button", { name: "Retire agent" }).click();
  await expect(page.getByTestId("agent-badges")).toContainText("retired");
  await expect(page.getByText("This agent is retired")).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Resume" })).toHaveCount(0);

  // every step is in the config lane, with the person's name
  await page.goto(`/audit/events?lane=config`);
  await expect(page.getByText("agent.retired").first()).toBeVisible();
});

test("a viewer sees no lifecycle buttons", async ({ page }) => {
  await signIn(page, "vp");
  await page.goto("/agents?env=dev");
  await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "New agent" })).toHaveCount(0);
  await page.locator("tbody tr a").first().click();
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Suspend" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Retire" })).toHaveCount(0);
});
