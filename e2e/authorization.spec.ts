import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("a viewer cannot reach admin pages or call admin APIs", async ({ page }) => {
  await signIn(page, "vp");
  await expect(page.getByRole("link", { name: "Users & roles" })).toHaveCount(0);

  // the page itself refuses on the server, not just a hidden link
  const pageResponse = await page.goto("/settings/users");
  await expect(page).toHaveURL(/\/forbidden/);
  await expect(page.getByRole("heading")).toHaveText("You don't have access to that page");
  expect(pageResponse?.status()).toBeLessThan(500);

  const api = await page.request.get("/api/internal/users");
  expect(api.status()).toBe(403);
  expect(api.headers()["content-type"]).toContain("application/problem+json");
  expect(await api.json()).toMatchObject({ status: 403, code: "forbidden" });

  // what a viewer may read still works
  expect((await page.request.get("/api/internal/agents?env=prod")).status()).toBe(200);
});

test("the admin can open the users page and its API", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Users & roles" }).click();
  await expect(page.getByRole("cell", { name: /Vera VP/ }).first()).toBeVisible();
  await expect(page.getByRole("row", { name: /Vera VP/ })).toContainText("vp@tollgate.demo");
  const api = await page.request.get("/api/internal/users");
  expect(api.status()).toBe(200);
  const body = await api.json();
  expect(body.users.length).toBeGreaterThanOrEqual(6);
  expect(JSON.stringify(body)).not.toContain("passwordHash");
});

test("without a session the internal API answers 401 problem+json", async ({ request }) => {
  const res = await request.get("/api/internal/agents?env=prod");
  expect(res.status()).toBe(401);
  expect(await res.json()).toMatchObject({ status: 401, code: "unauthenticated" });
});

test("an unknown environment is a 404 problem, not a crash", async ({ page }) => {
  await signIn(page, "ops");
  const res = await page.request.get("/api/internal/agents?env=nope");
  expect(res.status()).toBe(404);
  expect(await res.json()).toMatchObject({ code: "not_found" });
});
