import { expect, test, type Page } from "@playwright/test";
import { NAV } from "../components/nav";
import { can } from "../lib/auth/permissions";
import { demoUser, signIn } from "./helpers";

/**
 * Layout at the two widths people use the console at: the page never scrolls sideways, every
 * table's last column is on screen or reachable by the table's own scroll, times read one way.
 * LAYOUT_SCREENSHOTS=<dir> also saves a full-page screenshot of each page there.
 */
const VIEWPORTS = [
  { width: 1024, height: 768 },
  { width: 1440, height: 900 },
];

/** The one time format (components/format.ts): "2026-12-02 14:05 UTC". */
const TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/;
/** Anything else that reads as a date or a time of day. */
const OTHER_TIMES = [
  /\b\d{4}-\d{2}-\d{2}(?! \d{2}:\d{2} UTC)/, // a bare date, or a date with another time
  /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, // ISO
  /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/, // en-US / en-GB locale dates
  /\b\d{1,2}[:.]\d{2}(?::\d{2})?\s?[AP]M\b/i, // 12-hour clock
  /\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b/,
  /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? \d{4}\b/,
  /\b\d{1,2}\.\d{1,2}\.\d{4}\b/, // de-DE
];

type TProblem = string;

/** Tables whose last header cell is clipped or pushed off screen; a page that scrolls sideways. */
async function layoutProblems(page: Page): Promise<TProblem[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) {
      problems.push(`the page scrolls sideways (${doc.scrollWidth} > ${doc.clientWidth} px)`);
    }
    for (const table of document.querySelectorAll("table")) {
      if (table.getClientRects().length === 0) continue; // not rendered
      const headers = table.querySelectorAll("thead tr:first-child > th");
      const th = headers[headers.length - 1] as HTMLElement | undefined;
      if (!th) continue;
      const name = `table "${table.getAttribute("aria-label") ?? table.querySelector("th")?.textContent?.trim()}"`;
      const column = `last column "${th.textContent?.trim() || "(unlabelled)"}"`;
      // walk out from the header cell: a box that hides overflow must hold it; a box that
      // scrolls (overflow-x auto/scroll) reaches it, and must itself be held by what is outside
      let right = th.getBoundingClientRect().right;
      for (let el = th.parentElement; el && el !== doc; el = el.parentElement) {
        const overflow = getComputedStyle(el).overflowX;
        if (overflow === "visible") continue;
        const box = el.getBoundingClientRect();
        if (overflow === "auto" || overflow === "scroll") {
          right = box.right;
        } else if (right > box.right + 1) {
          problems.push(
            `${name}: ${column} clipped by an overflow-x:${overflow} box (${Math.round(right)} > ${Math.round(box.right)} px)`,
          );
          right = box.right;
        }
      }
      if (right > doc.clientWidth + 1) {
        problems.push(`${name}: ${column} off screen (${Math.round(right)} > ${doc.clientWidth})`);
      }
    }
    return problems;
  });
}

function timeProblems(text: string): TProblem[] {
  const problems: string[] = [];
  for (const re of OTHER_TIMES) {
    const m = re.exec(text);
    if (m) {
      const around = text.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\s+/g, " ");
      problems.push(`a time in another format: "${m[0]}" in "…${around}…"`);
    }
  }
  return problems;
}

async function check(page: Page, label: string, width: number) {
  await page.waitForLoadState("networkidle");
  const problems = [
    ...(await layoutProblems(page)),
    ...timeProblems(await page.locator("body").innerText()),
  ];
  expect.soft(problems, `${label} at ${width} px`).toEqual([]);
  const dir = process.env.LAYOUT_SCREENSHOTS;
  if (dir) {
    const file = `${label.replace(/[^a-z0-9]+/gi, "_")}-${width}.png`;
    await page.screenshot({ path: `${dir}/${file}`, fullPage: true });
  }
}

for (const userKey of ["admin", "ops"]) {
  for (const viewport of VIEWPORTS) {
    test(`${userKey} at ${viewport.width}×${viewport.height}: no page scrolls sideways, no table is clipped, one time format`, async ({
      page,
    }) => {
      test.setTimeout(120_000);
      await page.setViewportSize(viewport);
      await signIn(page, userKey);
      const roles = demoUser(userKey).roles;
      const pages = NAV.filter((n) => can(roles, n.permission)).map((n) => n.href);
      if (can(roles, "dead_letters:read")) pages.push("/dead-letters?resolved=1");
      for (const href of pages) {
        await page.goto(href);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        await check(page, `${userKey} ${href}`, viewport.width);
      }

      // an agent's own page (keys table) and a dead letter's panel (field diff table)
      await page.goto("/agents");
      await page.locator("tbody tr a").first().click();
      await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
      await check(page, `${userKey} agent`, viewport.width);
      if (can(roles, "dead_letters:read")) {
        await page.goto("/dead-letters");
        const letter = page.locator("button[data-open]").first();
        if (await letter.count()) {
          await letter.click();
          await expect(page.getByTestId("dl-timeline")).toBeVisible();
          await check(page, `${userKey} dead letter`, viewport.width);
        }
      }
    });
  }
}

test("times read in one format with the zone shown", async ({ page }) => {
  await signIn(page, "admin");
  for (const href of ["/settings/users", "/policy"]) {
    await page.goto(href);
    await expect(page.locator("main")).toContainText(TIME);
    expect(timeProblems(await page.locator("body").innerText())).toEqual([]);
  }
  await page.goto("/agents");
  await page.locator("tbody tr a").first().click();
  await expect(page.locator("main")).toContainText(TIME);
});

test("the favicon, the SVG icon and robots.txt are served", async ({ request, page }) => {
  const ico = await request.get("/favicon.ico");
  expect(ico.status()).toBe(200);
  expect(ico.headers()["content-type"]).toMatch(/image\//);
  const svg = await request.get("/favicon.svg");
  expect(svg.status()).toBe(200);
  expect(svg.headers()["content-type"]).toContain("image/svg+xml");
  const robots = await request.get("/robots.txt");
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toMatch(/^Disallow: \/$/m);
  await page.goto("/login");
  await expect(page.locator('head link[rel="icon"][href^="/favicon.svg"]')).toHaveCount(1);
});

test("an unknown URL answers 404 inside the console frame, with a way back", async ({ page }) => {
  await signIn(page, "ops");
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText(demoUser("ops").name);
  await page.getByRole("link", { name: "Back to the console" }).click();
  await expect(page).toHaveURL(/\/agents$/);

  // an unknown id on a detail page: the same page, with a way back to its section
  const agent = await page.goto("/agents/no-such-agent");
  expect(agent?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
  await page.getByRole("link", { name: "Back to Agents" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  expect(await layoutProblems(page)).toEqual([]);
});

test("signed out, an unknown URL answers 404 on a plain page with a way to sign in", async ({
  page,
}) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByRole("navigation", { name: "Console" })).toHaveCount(0);
  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login/);
});
