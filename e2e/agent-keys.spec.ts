import { expect, test, type Page } from "@playwright/test";
import { signIn, fromConsole } from "./helpers";

// lead-routing-bot in prod: rotation gives every older key 24 h of grace, so keys other specs
// hold keep working; only the key this spec made is revoked.
async function openAgent(page: Page) {
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("tab", { name: "Production" }).click();
  await page
    .getByTestId("agent-lead-routing-bot")
    .getByRole("link", { name: "Lead routing bot" })
    .click();
  await expect(page.getByRole("heading", { name: "Lead routing bot", level: 1 })).toBeVisible();
  return page.url().split("/").pop()!;
}

test("an admin creates a key, sees it once, rotates with a grace period and revokes it", async ({
  page,
}) => {
  await signIn(page, "admin");
  const agentId = await openAgent(page);
  await expect(page.getByTestId("agent-owner")).toContainText("Olive Ops");
  await expect(page.getByTestId("agent-badges")).toContainText("execute");
  await expect(page.getByTestId("agent-grants")).toContainText("Lead");

  await page.getByRole("button", { name: "Create key" }).click();
  const create = page.getByRole("form", { name: "Create key" });
  await create.getByLabel("Label (optional)").fill("e2e worker");
  await create.getByLabel("Expires after (days, optional)").fill("30");
  await create.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("new-key")).toContainText("it won't be shown again");
  const secret = page.getByTestId("new-key-plaintext");
  await expect(secret).toHaveText(/^tg_prod_[A-Za-z0-9]{40}$/);
  const plaintext = (await secret.textContent())!;
  const prefix = plaintext.slice(0, "tg_prod_".length + 10);
  const row = page.getByTestId(`key-${prefix}`);
  await expect(row).toContainText("e2e worker");
  await expect(row).toContainText("Active");
  await expect(row).toContainText("by Ada Admin");

  // after a reload only the prefix is left, in the page and in the API
  await page.reload();
  await expect(row).toContainText(`${prefix}…`);
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  const tail = plaintext.slice(prefix.length);
  expect(await page.content()).not.toContain(tail);
  const keys = await page.request.get(`/api/internal/agents/${agentId}/keys`);
  expect(keys.status()).toBe(200);
  expect(await keys.text()).not.toContain(tail);

  await page.getByRole("button", { name: "Rotate keys" }).click();
  const rotate = page.getByRole("form", { name: "Rotate keys" });
  await rotate.getByLabel("Grace period for the current keys").selectOption({ label: "24 hours" });
  await rotate.getByRole("button", { name: "Rotate keys" }).click();
  await expect(page.getByTestId("new-key-plaintext")).toHaveText(/^tg_prod_[A-Za-z0-9]{40}$/);
  await expect(page.getByTestId("new-key-plaintext")).not.toHaveText(plaintext);
  const grace = page.getByTestId("rotation-grace");
  await expect(grace).toHaveText(/keep working until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  const until = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/.exec((await grace.textContent())!)!;
  const graceEnd = new Date(`${until[1]}T${until[2]}:00Z`).getTime();
  expect(Math.abs(graceEnd - (Date.now() + 86_400_000))).toBeLessThan(5 * 60_000);
  await expect(row).toContainText("Rotated");
  await expect(row.getByTestId("grace-until")).toContainText(`keeps working until ${until[1]}`);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("new-key")).toHaveCount(0);

  await row.getByRole("button", { name: /^Revoke/ }).click();
  const revoke = page.getByRole("form", { name: `Revoke key ${prefix}` });
  await expect(revoke.getByLabel(/Why revoke/)).toBeFocused();
  await revoke.getByRole("button", { name: "Revoke key" }).click();
  await expect(revoke.getByRole("alert")).toContainText("at least 3 characters");
  await expect(row).toContainText("Rotated");
  await revoke.getByLabel(/Why revoke/).fill("e2e: worker decommissioned");
  await revoke.getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
});

test("a viewer sees an agent's keys but cannot change them; the server refuses", async ({
  page,
}) => {
  await signIn(page, "vp");
  const agentId = await openAgent(page);
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Create key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Rotate keys" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);

  for (const path of ["keys", "keys/rotate"]) {
    const res = await page.request.post(`/api/internal/agents/${agentId}/${path}`, {
      headers: fromConsole,
      data: path === "keys" ? {} : { graceMinutes: 0 },
    });
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ code: "forbidden" });
  }
  expect((await page.request.get(`/api/internal/agents/${agentId}`)).status()).toBe(200);
  expect((await page.goto("/agents/no-such-agent"))?.status()).toBe(404);
});
