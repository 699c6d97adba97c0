import { expect, test, type Page } from "@playwright/test";
import { demoUser, signIn } from "./helpers";
import type { TE2eFixtures } from "./fixtures/prepare";

/** Fill in the sign-in form already on screen (the page the redirect brought us to). */
async function signInHere(page: Page, key: string) {
  const u = demoUser(key);
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password").fill(u.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("current-user")).toHaveText(u.name);
}

test("console pages send CSP (no framing), nosniff and a referrer policy, and still work", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(e.message));

  const login = await page.goto("/login");
  expect(login!.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await signIn(page, "admin");
  for (const path of ["/agents", "/inbox", "/policy", "/kill-switches", "/dead-letters"]) {
    const res = await page.goto(path);
    expect(res!.status(), path).toBe(200);
    const h = res!.headers();
    expect(h["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(h["content-security-policy"], path).toContain("script-src 'self' 'unsafe-inline'");
    expect(h["x-frame-options"], path).toBe("DENY");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["referrer-policy"], path).toBe("same-origin");
    await expect(page.getByTestId("current-user")).toBeVisible();
  }
  // client code runs under the policy: the environment tabs switch without a reload
  await page.goto("/agents");
  await page.getByRole("tab", { name: "Staging" }).click();
  await expect(page.getByTestId("agent-quote-assistant")).toContainText("observe");
  expect(violations).toEqual([]);
});

test("the agent API, answered by the server's own door, sends the same headers and its contract", async ({
  request,
}) => {
  const fixtures = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  const headersOf = (h: Record<string, string>, what: string) => {
    expect(h["content-security-policy"], what).toContain("frame-ancestors 'none'");
    expect(h["x-frame-options"], what).toBe("DENY");
    expect(h["x-content-type-options"], what).toBe("nosniff");
    expect(h["referrer-policy"], what).toBe("same-origin");
    expect(h["x-powered-by"], what).toBeUndefined();
  };
  const me = await request.get("/api/agent/v1/me", {
    headers: { authorization: `Bearer ${fixtures.agentKey}` },
  });
  expect(me.status()).toBe(200);
  expect(me.headers()["content-type"]).toContain("application/json");
  expect(me.headers()["x-request-id"]).toMatch(/^req_/);
  headersOf(me.headers(), "GET /me");

  const refused = await request.post("/api/agent/v1/action-requests", {
    headers: { authorization: "Bearer tg_prod_not-a-key", "content-type": "application/json" },
    data: "{}",
  });
  expect(refused.status()).toBe(401);
  expect(refused.headers()["content-type"]).toContain("application/problem+json");
  expect((await refused.json()).code).toBe("invalid_api_key");
  headersOf(refused.headers(), "POST /action-requests 401");

  // the body limit holds on this door too: 64 KiB + 1 is a 413 problem
  const big = await request.post("/api/agent/v1/action-requests", {
    headers: { authorization: `Bearer ${fixtures.agentKey}`, "content-type": "application/json" },
    data: JSON.stringify({ pad: "x".repeat(64 * 1024) }),
  });
  expect(big.status()).toBe(413);
  expect((await big.json()).code).toBe("payload_too_large");
  headersOf(big.headers(), "POST /action-requests 413");

  // a method the API does not have is still Next's answer (405), with the same headers
  const put = await request.put("/api/agent/v1/action-requests", { data: "{}" });
  expect(put.status()).toBe(405);
  headersOf(put.headers(), "PUT /action-requests");
});

test("signing out ends the session on the server: a copied cookie stops working", async ({
  page,
  browser,
}) => {
  await signIn(page, "ops");
  const copied = await page.context().cookies();
  expect(copied.some((c) => c.name.includes("next-auth.session-token"))).toBe(true);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  const thief = await browser.newContext({ baseURL: new URL(page.url()).origin });
  await thief.addCookies(copied);
  const api = await thief.request.get("/api/internal/agents?env=production");
  expect(api.status()).toBe(401);
  const session = await thief.request.get("/api/auth/session");
  expect(await session.json()).toEqual({});
  const stolen = await thief.newPage();
  await stolen.goto("/agents");
  await expect(stolen).toHaveURL(/\/login\?callbackUrl=%2Fagents$/);
  await thief.close();
});

test("a callbackUrl that leaves the site is ignored after sign-in", async ({ page }) => {
  for (const evil of ["/%5Cevil.example", "//evil.example", "https://evil.example/"]) {
    await page.context().clearCookies();
    await page.goto(`/login?callbackUrl=${encodeURIComponent(decodeURIComponent(evil))}`);
    await signInHere(page, "ops");
    const url = new URL(page.url());
    expect(url.hostname, evil).not.toContain("evil");
    expect(url.pathname, evil).toBe("/agents");
  }
  // and the raw link from the issue, exactly as written
  await page.context().clearCookies();
  await page.goto("/login?callbackUrl=/%5Cevil.example");
  await signInHere(page, "ops");
  expect(new URL(page.url()).pathname).toBe("/agents");
  expect(new URL(page.url()).hostname).not.toContain("evil");
});

test("a signed-out visit to a webhook link lands on it after sign-in", async ({ page }) => {
  await page.goto("/inbox?request=req_from_webhook&kind=approval");
  await expect(page).toHaveURL(
    "/login?callbackUrl=%2Finbox%3Frequest%3Dreq_from_webhook%26kind%3Dapproval",
  );
  await signInHere(page, "approver");
  await expect(page).toHaveURL("/inbox?request=req_from_webhook&kind=approval");
});
