import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

/**
 * The people console end to end: an admin invites a person (the initial password shown once,
 * and it works), puts them in a new approver group and on call, and edits a retry policy.
 * A group of its own and session_expired (no other spec reads either), reset at the end.
 */
test("an admin invites a person, adds them to a group, puts them on call and edits a retry policy", async ({
  page,
  browser,
}) => {
  const tag = Date.now().toString(36);
  const email = `e2e-${tag}@tollgate.test`;
  const name = `Ivy Invite ${tag}`;
  await signIn(page, "admin");

  // invite: a bad email is refused in the form, then the password is shown once
  await page.goto("/settings/users");
  await page.getByRole("button", { name: "Invite a person" }).click();
  const invite = page.getByRole("dialog");
  await invite.getByLabel("Name").fill(name);
  await invite.getByLabel("Email").fill("not-an-email");
  await invite.getByRole("button", { name: "Invite", exact: true }).click();
  await expect(invite.getByTestId("invite-error")).toContainText("valid email");
  await invite.getByLabel("Email").fill(email);
  await invite.getByRole("button", { name: "Invite", exact: true }).click();
  const shown = invite.getByTestId("invite-password");
  await expect(shown).toContainText(email);
  const password = (await shown.locator("code").textContent())!.trim();
  expect(password.length).toBeGreaterThanOrEqual(20);
  await invite.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId(`user-${email}`)).toContainText(name);

  // the invited person signs in with it
  const other = await browser.newContext();
  const theirs = await other.newPage();
  await theirs.goto("/login");
  await theirs.getByLabel("Email").fill(email);
  await theirs.getByLabel("Password").fill(password);
  await theirs.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(theirs.getByTestId("current-user")).toHaveText(name);
  await other.close();

  // a new group, the person in it, and on call
  await page.goto("/settings/groups");
  await page.getByRole("button", { name: "New group" }).click();
  const create = page.getByRole("dialog");
  await create.getByLabel("Name").fill(`Pricing desk ${tag}`);
  await create.getByLabel("Key").fill(`pricing_${tag}`);
  await create.getByRole("button", { name: "Create" }).click();
  const card = page.getByTestId(`group-pricing_${tag}`);
  await expect(card).toContainText("No members");
  await card.getByLabel(`Add a member to Pricing desk ${tag}`).selectOption({ label: name });
  await expect(card.getByRole("table")).toContainText(name);
  await card
    .getByLabel(`Add a member to Pricing desk ${tag}`)
    .selectOption({ label: "Alex Approver" });
  await expect(card.getByRole("table")).toContainText("Alex Approver");

  await card.getByLabel("Add to the rotation").selectOption({ label: name });
  await card.getByLabel("Add to the rotation").selectOption({ label: "Alex Approver" });
  await card.getByLabel("Handoff day").selectOption({ label: "Monday" });
  await card.getByLabel("at (HH:MM)").fill("25:00");
  await card.getByRole("button", { name: "Save rotation" }).click();
  await expect(card.getByTestId(`rotation-error-pricing_${tag}`)).toContainText("HH:MM");
  await card.getByLabel("at (HH:MM)").fill("09:00");
  await card.getByLabel("Time zone").fill("Europe/Berlin");
  await card.getByRole("button", { name: "Save rotation" }).click();
  const onCall = card.getByTestId(`on-call-pricing_${tag}`);
  await expect(onCall).toContainText(`On call now: ${name}`);
  await expect(onCall).toContainText("next: Alex Approver");
  await expect(onCall).toContainText("Monday 09:00 Europe/Berlin");

  // a webhook to a metadata address is refused
  await card.getByLabel("Escalation webhook").fill("https://169.254.169.254/latest/meta-data");
  await card.getByRole("button", { name: "Save webhook" }).click();
  await expect(card.getByTestId(`webhook-error-pricing_${tag}`)).toBeVisible();

  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({
      path: test.info().outputPath(`groups-${width}.png`),
      fullPage: true,
    });
  }

  // a retry policy: bounds refused in the form, then saved and shown as custom
  await page.goto("/settings/retry-policies");
  const row = page.getByTestId("retry-session_expired");
  await expect(row).toContainText("default");
  await row.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog");
  await edit.getByLabel("Max tries").fill("25");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByText("at most 20")).toBeVisible();
  await edit.getByLabel("Max tries").fill("3");
  await edit.getByLabel("First wait (ms)").fill("20000");
  await edit.getByLabel("Longest wait (ms)").fill("60000");
  await edit.getByLabel("Reason (optional)").fill("e2e: the session comes back slowly");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("custom");
  await expect(row).toContainText("Ada Admin");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`retry-policies-${width}.png`) });
  }
  await row.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reset to default" }).click();
  await expect(row).toContainText("default");

  await page.goto("/settings/users");
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`users-${width}.png`), fullPage: true });
  }
});
