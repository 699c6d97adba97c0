import fs from "node:fs";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { NAV } from "../components/nav";
import { signIn } from "./helpers";
import type { TE2eFixtures } from "./fixtures/prepare";

/**
 * Every screen of the console, as the specs that look at all of them (accessibility, overflow)
 * reach it: who signs in, where to go, what to open, and what shows it is ready. `route` is the
 * page file's route, so `pageRoutes()` can prove no page was left out.
 */
export type TConsoleScreen = {
  name: string;
  /** the route of the page file it renders (`app/(console)/agents/[id]/page.tsx` → /agents/[id]) */
  route: string;
  /** a demo user's key, or null to stay signed out */
  user: string | null;
  open: (page: Page) => Promise<void>;
};

const heading = (page: Page) => expect(page.getByRole("heading", { level: 1 })).toBeVisible();

async function visit(page: Page, href: string) {
  await page.goto(href);
  await heading(page);
}

export const SCREENS: TConsoleScreen[] = [
  {
    name: "sign-in",
    route: "/login",
    user: null,
    async open(page) {
      await page.goto("/login");
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    },
  },
  {
    name: "not found, signed out",
    route: "(not-found)",
    user: null,
    open: (page) => visit(page, "/no-such-page"),
  },
  // the admin may open every page, so sees every control
  ...NAV.map((n) => ({
    name: n.label,
    route: n.href,
    user: "admin",
    open: (page: Page) => visit(page, n.href),
  })),
  {
    name: "Approval inbox, a request open",
    route: "/inbox",
    user: "admin",
    async open(page) {
      await visit(page, "/inbox");
      const row = page.locator("[data-id]").first();
      const id = await row.getAttribute("data-id");
      await row.getByRole("button").first().click();
      await expect(page.getByRole("region", { name: `Request ${id}` })).toBeVisible();
    },
  },
  {
    name: "agent detail",
    route: "/agents/[id]",
    user: "admin",
    async open(page) {
      await visit(page, "/agents");
      await page.locator("tbody tr a").first().click();
      await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
    },
  },
  {
    name: "Agents, new agent dialog open",
    route: "/agents",
    user: "admin",
    async open(page) {
      await visit(page, "/agents");
      await page.getByRole("button", { name: "New agent" }).click();
      await expect(page.getByRole("form", { name: "New agent" })).toBeVisible();
    },
  },
  {
    name: "agent detail, edit dialog open",
    route: "/agents/[id]",
    user: "admin",
    async open(page) {
      await visit(page, "/agents");
      await page.locator("tbody tr a").first().click();
      // exact: the grants table has an "Edit grant …" button per grant
      await page.getByRole("button", { name: "Edit", exact: true }).click();
      await expect(page.getByRole("form", { name: "Edit agent" })).toBeVisible();
    },
  },
  {
    name: "agent detail, permission review dialog open",
    route: "/agents/[id]",
    user: "admin",
    async open(page) {
      await visit(page, "/agents");
      await page.locator("tbody tr a").first().click();
      await page.getByRole("button", { name: "Review" }).first().click();
      await expect(page.getByRole("form", { name: "Permission review" })).toBeVisible();
    },
  },
  {
    name: "agent detail, add grant dialog open",
    route: "/agents/[id]",
    user: "ops",
    async open(page) {
      await visit(page, "/agents");
      await page.locator("tbody tr a").first().click();
      await expect(page.getByTestId("agent-grants")).toBeVisible();
      await page.getByRole("button", { name: "Add grant", exact: true }).click();
      await expect(page.getByRole("form", { name: "Add grant" })).toBeVisible();
    },
  },
  {
    name: "agent detail, elevation dialog open",
    route: "/agents/[id]",
    user: "admin",
    async open(page) {
      await visit(page, "/agents");
      await page.locator("tbody tr a").first().click();
      await expect(page.getByRole("heading", { name: "Time-bounded elevations" })).toBeVisible();
      await page.getByRole("button", { name: "Elevate" }).click();
      await expect(page.getByRole("form", { name: "Elevation" })).toBeVisible();
    },
  },
  {
    name: "Field ownership, edit dialog open",
    route: "/field-ownership",
    user: "ops",
    async open(page) {
      await visit(page, "/field-ownership");
      await page.getByRole("button", { name: "Edit Opportunity.StageName" }).click();
      await expect(page.getByRole("form", { name: "Field ownership" })).toBeVisible();
    },
  },
  {
    name: "Dead letters, resolved shown",
    route: "/dead-letters",
    user: "admin",
    open: (page) => visit(page, "/dead-letters?resolved=1"),
  },
  {
    name: "dead letter detail",
    route: "/dead-letters",
    user: "admin",
    async open(page) {
      await visit(page, "/dead-letters");
      await page.locator("button[data-open]").first().click();
      await expect(page.getByTestId("dl-timeline")).toBeVisible();
    },
  },
  {
    name: "request page",
    route: "/requests/[id]",
    user: "ops",
    async open(page) {
      const { revert } = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
      await visit(page, `/requests/${revert.requestId}`);
      await expect(page.getByTestId("rq-timeline")).toBeVisible();
    },
  },
  {
    name: "matrix version",
    route: "/policy/versions/[id]",
    user: "admin",
    async open(page) {
      await visit(page, "/policy");
      await page.getByRole("link", { name: "Version 1", exact: true }).click();
      await expect(page.getByRole("table", { name: "Rules of this version" })).toBeVisible();
    },
  },
  {
    name: "workflow detail",
    route: "/workflows/[id]",
    user: "ops",
    async open(page) {
      await visit(page, "/workflows");
      await page.getByRole("link", { name: "Pipeline hygiene" }).click();
      await expect(page.getByRole("table", { name: "Workflow versions" })).toBeVisible();
      await expect(page.getByTestId("window-calendar")).toBeVisible();
    },
  },
  {
    name: "find a record, a bad id",
    route: "/records",
    user: "vp",
    async open(page) {
      await visit(page, "/records?id=not-an-id");
      await expect(page.getByText("15 or 18 letters and digits").first()).toBeVisible();
    },
  },
  {
    name: "record timeline",
    route: "/records/[id]",
    user: "ops",
    async open(page) {
      const { revert } = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
      await visit(page, `/records/${revert.recordId}`);
      await expect(page.getByTestId("record-timeline")).toBeVisible();
    },
  },
  {
    name: "backout page, planned",
    route: "/backouts/[id]",
    user: "admin",
    async open(page) {
      const { backout } = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
      await visit(page, `/backouts/${backout.plannedId}`);
      await expect(page.getByRole("table", { name: "Backout items" })).toContainText("Amount");
    },
  },
  {
    name: "not found in the console",
    route: "(not-found)",
    user: "admin",
    open: (page) => visit(page, "/no-such-page"),
  },
  {
    name: "unknown agent id",
    route: "/agents/[id]",
    user: "admin",
    open: (page) => visit(page, "/agents/no-such-agent"),
  },
  {
    name: "forbidden",
    route: "/forbidden",
    user: "vp",
    async open(page) {
      await page.goto("/settings/users");
      await expect(page).toHaveURL(/\/forbidden/);
      await heading(page);
    },
  },
];

/** Signs in as the screen's user (or stays out) and opens it, settled. */
export async function openScreen(page: Page, screen: TConsoleScreen) {
  if (screen.user) await signIn(page, screen.user);
  await screen.open(page);
  await page.waitForLoadState("networkidle");
}

/**
 * The route of every page file under app/: route groups dropped, `/` for the root. The root page
 * only redirects (to /agents or /login), so it has no screen of its own.
 */
export function pageRoutes(): string[] {
  const routes: string[] = [];
  const walk = (dir: string, route: string[]) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name === "api") continue;
        const segment = /^\(.*\)$/.test(e.name) ? [] : [e.name];
        walk(path.join(dir, e.name), [...route, ...segment]);
      } else if (e.name === "page.tsx") {
        routes.push("/" + route.join("/"));
      }
    }
  };
  walk(path.join(process.cwd(), "app"), []);
  return routes.sort();
}

/** Pages that only redirect elsewhere and render nothing themselves. */
export const REDIRECT_ONLY = ["/"];
