import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { fromConsole, signIn } from "./helpers";

/**
 * What someone with the database owner's SQL could do: switch the append-only trigger off and
 * edit an old config event. Returns a function that puts the text back.
 */
async function editFirstConfigEvent(): Promise<() => Promise<void>> {
  const sql = async (text: string, params: unknown[]) => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    try {
      await c.query("begin");
      await c.query("set local session_replication_role = replica");
      const out = await c.query(text, params);
      await c.query("commit");
      return out;
    } finally {
      await c.end();
    }
  };
  const { rows } = await sql(
    `select "reasonText" from "AuditEvent" where lane = 'config' and seq = 1`,
    [],
  );
  await sql(
    `update "AuditEvent" set "reasonText" = coalesce("reasonText", '') || ' (edited)' where lane = 'config' and seq = 1`,
    [],
  );
  return async () => {
    await sql(`update "AuditEvent" set "reasonText" = $1 where lane = 'config' and seq = 1`, [
      rows[0].reasonText,
    ]);
  };
}

const nav = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Console" }).getByRole("link", { name });

test("an admin verifies the lanes; a break shows on the page and on every console page until it is gone", async ({
  page,
}) => {
  await signIn(page, "admin");
  await nav(page, "Audit integrity").click();
  await expect(page.getByRole("heading", { name: "Audit integrity", level: 1 })).toBeVisible();
  for (const lane of ["config", "data", "execution"]) {
    await expect(page.getByTestId(`lane-${lane}`)).toContainText(/seq \d+/);
  }
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("All lanes intact");
  await expect(page.getByTestId("lane-config")).toContainText("intact");
  await expect(page.getByTestId("audit-banner")).toHaveCount(0);

  const restore = await editFirstConfigEvent();
  try {
    await page.getByRole("button", { name: "Verify now" }).click();
    await expect(page.getByTestId("verify-result")).toContainText(
      "Broken: config at seq 1 (content_hash)",
    );
    await expect(page.getByTestId("lane-config")).toContainText("broken at seq 1 (content_hash)");
    await expect(page.getByTestId("audit-banner")).toBeVisible();
    // every console page, for admins and ops owners
    await nav(page, "Kill switches").click();
    await expect(page.getByRole("heading", { name: "Kill switches", level: 1 })).toBeVisible();
    await expect(page.getByTestId("audit-banner")).toContainText(
      "Lane config at seq 1 (content_hash)",
    );
  } finally {
    await restore();
  }
  await page.getByTestId("audit-banner").getByRole("link", { name: "Audit integrity" }).click();
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("All lanes intact");
  await expect(page.getByTestId("audit-banner")).toHaveCount(0);
  await expect(page.getByTestId("lane-config")).toContainText("intact");
});

test("a viewer reads the page but cannot verify", async ({ page }) => {
  await signIn(page, "vp");
  await nav(page, "Audit integrity").click();
  await expect(page.getByTestId("lane-data")).toBeVisible();
  await expect(page.getByRole("button", { name: "Verify now" })).toHaveCount(0);
  const res = await page.request.post("/api/internal/audit/verify", {
    data: {},
    headers: fromConsole,
  });
  expect(res.status()).toBe(403);
});

test("the verify API refuses an unknown lane", async ({ page }) => {
  await signIn(page, "ops");
  const res = await page.request.post("/api/internal/audit/verify", {
    data: { lane: "nope" },
    headers: fromConsole,
  });
  expect(res.status()).toBe(400);
});
