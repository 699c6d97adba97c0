import { expect, test } from "@playwright/test";
import { signIn, fromConsole } from "./helpers";

test("an admin tests the prod connection against the sandbox and sees API usage", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Environments" }).click();
  const prod = page.getByTestId("env-prod");
  await expect(prod).toContainText("Production");
  await expect(prod).toContainText("integration@tollgate.sandbox");
  await prod.getByRole("button", { name: "Test connection" }).click();
  await expect(prod).toContainText("Connected");
  await expect(prod.getByTestId("api-usage")).toHaveText(/^\d[\d,]* \/ [\d,]+$/);
});

test("a bad login URL gets a clear error and changes nothing", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/environments");
  const dev = page.getByTestId("env-dev");
  await dev.getByRole("button", { name: "Edit connection" }).click();
  await dev.getByLabel("Login URL").fill("not a url");
  await dev.getByRole("button", { name: "Save" }).click();
  await expect(dev.getByRole("alert")).toContainText("loginUrl");
  await page.reload();
  await expect(page.getByTestId("env-dev")).toContainText("http://127.0.0.1:");
});

test("the ops owner can see environments but not edit them; the server refuses", async ({
  page,
}) => {
  await signIn(page, "ops");
  await page.goto("/environments");
  await expect(page.getByTestId("env-prod")).toBeVisible();
  await expect(page.getByRole("button", { name: "Test connection" })).toHaveCount(0);
  const res = await page.request.post("/api/internal/environments/prod/test", {
    headers: fromConsole,
    data: {},
  });
  expect(res.status()).toBe(403);
  const put = await page.request.put("/api/internal/environments/prod/connection", {
    headers: fromConsole,
    data: { loginUrl: "https://evil.example", apiVersion: "62.0", clientId: "x", username: "y" },
  });
  expect(put.status()).toBe(403);
});

test("a viewer cannot open environments", async ({ page }) => {
  await signIn(page, "vp");
  await page.goto("/environments");
  await expect(page).toHaveURL(/\/forbidden/);
  expect((await page.request.get("/api/internal/environments")).status()).toBe(403);
});

test("cards read dev, staging, prod; a new host needs the secrets again and a real org only Salesforce hosts", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.goto("/environments");
  const ids = await page
    .locator('[data-testid^="env-"]:not([data-testid="env-"])')
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
  expect(ids.filter((id) => /^env-(dev|staging|prod)$/.test(id ?? ""))).toEqual([
    "env-dev",
    "env-staging",
    "env-prod",
  ]);

  const staging = page.getByTestId("env-staging");
  await expect(staging).toContainText("Bundled sandbox");
  await staging.getByRole("button", { name: "Edit connection" }).click();
  // another port is another host: the stored secrets do not follow it
  await staging.getByLabel("Login URL").fill("http://127.0.0.1:1");
  await staging.getByRole("button", { name: "Save" }).click();
  await expect(staging.getByRole("alert")).toContainText("clientSecret");
  await expect(staging.getByRole("alert")).toContainText("password");
  // a Salesforce org is reached only at Salesforce hosts, over https
  await staging.getByLabel("Connection").selectOption("salesforce");
  await staging.getByLabel("Consumer secret").fill("typed-again");
  await staging.getByLabel("Password (+ security token)").fill("typed-again");
  await staging.getByRole("button", { name: "Save" }).click();
  await expect(staging.getByRole("alert")).toContainText("https://");
  await page.reload();
  await expect(page.getByTestId("env-staging")).toContainText("http://127.0.0.1:");
  await expect(page.getByTestId("env-staging")).toContainText("Bundled sandbox");
});
