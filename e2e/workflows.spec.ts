import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { rolloutBucket } from "../lib/workflows/bucket";
import type { TE2eFixtures } from "./fixtures/prepare";
import { fromConsole, signIn } from "./helpers";

const WF = "pipeline-hygiene";
const ACCOUNTS = Array.from({ length: 200 }, (_, i) => `001E2EWF${String(i).padStart(7, "0")}`);
const RUN = Date.now();

type TDetail = {
  workflow: { id: string };
  canaryId: string | null;
  versions: { id: string; version: number; status: string; rolloutPercent: number }[];
};
type TAgent = {
  id: string;
  name: string;
  description: string | null;
  ownerId: string;
  callsPerMinute: number;
  writesPerHour: number;
  updatedAt: string;
};

async function workflowId(request: APIRequestContext) {
  const res = await request.get("/api/internal/workflows");
  expect(res.status()).toBe(200);
  const list = (await res.json()) as { workflows: { id: string; key: string }[] };
  return list.workflows.find((w) => w.key === WF)!.id;
}
async function detail(request: APIRequestContext, id: string): Promise<TDetail> {
  const res = await request.get(`/api/internal/workflows/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as TDetail;
}

/** The hygiene bot in prod, through the console's own agent API. */
async function hygieneBot(request: APIRequestContext): Promise<TAgent> {
  const list = (await (await request.get("/api/internal/agents?env=prod")).json()) as {
    agents: { id: string; slug: string }[];
  };
  const id = list.agents.find((a) => a.slug === "pipeline-hygiene-bot")!.id;
  return ((await (await request.get(`/api/internal/agents/${id}`)).json()) as { agent: TAgent })
    .agent;
}
async function setCallLimit(request: APIRequestContext, a: TAgent, callsPerMinute: number) {
  const res = await request.post(`/api/internal/agents/${a.id}`, {
    headers: fromConsole,
    data: {
      name: a.name,
      description: a.description,
      ownerId: a.ownerId,
      callsPerMinute,
      writesPerHour: a.writesPerHour,
      expectedUpdatedAt: a.updatedAt,
      reason: "e2e: a burst of 240 canary requests in a minute",
    },
  });
  expect(res.status(), await res.text()).toBe(200);
}

async function dialogStep(
  page: Page,
  button: string,
  title: RegExp,
  reason: string,
  submit = button,
) {
  await page.getByRole("button", { name: button }).click();
  const dialog = page.getByRole(/Roll back|Discard/.test(button) ? "alertdialog" : "dialog", {
    name: title,
  });
  await dialog.getByLabel(/^Why\?/).fill(reason);
  await dialog.getByRole("button", { name: submit, exact: true }).click();
  await expect(dialog).toBeHidden();
}

test.describe.serial("workflow versions: canary and change windows", () => {
  test.describe.configure({ timeout: 120_000 });
  const fixtures = JSON.parse(process.env.E2E_FIXTURES!) as TE2eFixtures;
  let id = "";
  let original: TAgent;
  const routed = new Map<string, number>();

  test.beforeAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signIn(page, "admin");
    original = await hygieneBot(page.request);
    await setCallLimit(page.request, original, 2_000);
    await page.close();
  });

  test.afterAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signIn(page, "admin");
    // leave the bot's limit as the seed had it
    await setCallLimit(page.request, await hygieneBot(page.request), original.callsPerMinute);
    await page.close();
  });

  test("an ops owner drafts a version, publishes it as a canary and promotes it to 25%", async ({
    page,
  }) => {
    await signIn(page, "ops");
    await page.goto("/workflows");
    await expect(page.getByTestId(`workflow-${WF}`)).toContainText("v3 · 25%");
    await page.getByRole("link", { name: "Pipeline hygiene" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pipeline hygiene");
    id = new URL(page.url()).pathname.split("/").pop()!;
    // the seed's canary (v3 at 25%) goes to 100%: v2 is retired
    await expect(page.getByTestId("canary")).toHaveText("Version 3 on 25% of accounts");
    const v3 = page.getByTestId("version-3");
    await v3.getByRole("button", { name: "Promote to 100%" }).click();
    const promote = page.getByRole("dialog", { name: "Promote version 3 to 100%" });
    await promote.getByRole("button", { name: "Promote to 100%" }).click();
    await expect(promote.getByText(/Say why/)).toBeVisible();
    await promote.getByLabel("Why?").fill("v3 ran clean at 25% for a week");
    await promote.getByRole("button", { name: "Promote to 100%" }).click();
    await expect(promote).toBeHidden();
    await expect(page.getByTestId("baseline")).toHaveText("Version 3");
    await expect(page.getByTestId("version-2")).toContainText("retired");

    // a new version: a draft copying v3
    await page.getByRole("button", { name: "New version", exact: true }).click();
    const form = page.getByTestId("version-form");
    await expect(form).toContainText("Draft version 4");
    // the window editor refuses a bad zone and an end before the start as you type
    await form.getByRole("button", { name: "Add a window" }).click();
    const w = form.getByTestId("window-0");
    await w.getByLabel("Time zone (IANA)").fill("Mars/Olympus_Mons");
    await expect(w.getByText(/"Mars\/Olympus_Mons" is not a time zone/)).toBeVisible();
    await w.getByLabel("Time zone (IANA)").fill("Europe/Paris");
    await w.getByLabel("End").fill("08:00");
    await expect(
      w.getByText("End (08:00) must be after start (09:00)", { exact: false }),
    ).toBeVisible();
    await expect(form.getByRole("button", { name: "Save draft" })).toBeDisabled();
    await w.getByLabel("End").fill("18:00");
    // the calendar of the draft draws what is saved: no windows yet
    await form.getByRole("button", { name: /^Remove/ }).click();
    await form.getByLabel("Notes").fill("e2e: same steps, canary check");
    await form.getByRole("button", { name: "Save draft" }).click();
    await expect(page.getByTestId("version-4")).toContainText("e2e: same steps, canary check");

    await dialogStep(
      page,
      "Publish as canary (5%)",
      /Publish version 4/,
      "try on 5% first",
      "Publish",
    );
    await expect(page.getByTestId("canary")).toHaveText("Version 4 on 5% of accounts");
    // published: no more editing, the form is gone
    await expect(page.getByTestId("version-form")).toHaveCount(0);
    await dialogStep(page, "Promote to 25%", /Promote version 4 to 25%/, "5% looked right");
    await expect(page.getByTestId("canary")).toHaveText("Version 4 on 25% of accounts");
    await expect(page.getByTestId("version-4").getByTestId("rollout")).toHaveText("canary · 25%");
  });

  test("agent requests for 200 accounts route about a quarter to the canary, sticky", async ({
    page,
  }) => {
    const create = (account: string, attempt: number) =>
      page.request.post("/api/agent/v1/action-requests", {
        headers: { authorization: `Bearer ${fixtures.agentKey}` },
        data: {
          idempotencyKey: `e2e-wf-${RUN}-${account}-${attempt}`,
          workflow: { key: WF },
          actionType: "opportunity.create",
          target: { system: "salesforce", object: "Opportunity" },
          changes: {
            Name: `E2E canary ${account}`,
            AccountId: account,
            StageName: "Prospecting",
            CloseDate: "2027-03-31",
            Amount: 1000,
          },
          reason: { code: "MEETING_HELD", text: "e2e: workflow canary routing" },
        },
      });
    for (let i = 0; i < ACCOUNTS.length; i += 20) {
      const batch = ACCOUNTS.slice(i, i + 20);
      const answers = await Promise.all(batch.map((a) => create(a, 1)));
      for (const [j, res] of answers.entries()) {
        expect(res.status(), await res.text()).toBe(201);
        routed.set(
          batch[j],
          ((await res.json()) as { workflow: { version: number } }).workflow.version,
        );
      }
    }
    const onCanary = [...routed.values()].filter((v) => v === 4).length;
    expect(new Set(routed.values())).toEqual(new Set([3, 4]));
    // 200 accounts at 25%: mean 50, sd ≈ 6.1 — 30..70 is more than 3 sd either side
    expect(onCanary).toBeGreaterThanOrEqual(30);
    expect(onCanary).toBeLessThanOrEqual(70);
    // the engine's bucket says which: the canary is exactly buckets 0–24
    for (const [a, v] of routed) expect(v).toBe(rolloutBucket(WF, a) < 25 ? 4 : 3);

    // sticky: the same accounts asked again land on the same version
    const again = ACCOUNTS.filter((_, i) => i % 5 === 0);
    const answers = await Promise.all(again.map((a) => create(a, 2)));
    for (const [j, res] of answers.entries()) {
      expect(res.status()).toBe(201);
      const v = ((await res.json()) as { workflow: { version: number } }).workflow.version;
      expect(v).toBe(routed.get(again[j]));
    }
    const canaryTotal = onCanary + again.filter((a) => routed.get(a) === 4).length;

    // the page's counts show the split
    await signIn(page, "ops");
    await page.goto(`/workflows/${id}`);
    await expect(page.getByTestId("version-4").getByTestId("requests-7d")).toHaveText(
      String(canaryTotal),
    );
    const v3Count = Number(
      await page.getByTestId("version-3").getByTestId("requests-7d").textContent(),
    );
    expect(v3Count).toBeGreaterThanOrEqual(240 - canaryTotal);
    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: 1400 });
      // the page never scrolls sideways (the versions table scrolls in its own frame)
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
        .toBeLessThanOrEqual(width);
      await page.screenshot({
        path: test.info().outputPath(`workflow-${width}.png`),
        fullPage: true,
      });
    }
  });

  test("the calendar draws a draft's windows; rolling the canary back restores the baseline", async ({
    page,
  }) => {
    await signIn(page, "ops");
    await page.goto(`/workflows/${id}`);
    // windows on a published version: saving makes a new draft (v5), immutable v4 stays as is
    await page
      .getByTestId("version-4")
      .getByRole("button", { name: /^Change…/ })
      .click();
    const form = page.getByTestId("version-form");
    await expect(form).toContainText("New version from version 4");
    await form.getByRole("button", { name: "Add a window" }).click();
    const w = form.getByTestId("window-0");
    await w.getByLabel("Time zone (IANA)").fill("America/New_York");
    await form.getByRole("button", { name: "Save as new draft" }).click();
    const v5 = page.getByTestId("version-5");
    await expect(v5).toContainText("Mon Tue Wed Thu Fri");
    await expect(v5).toContainText("09:00–17:00 America/New_York");
    await expect(page.getByTestId("version-4")).toContainText("any time");
    const calendar = page.getByTestId("window-calendar");
    await calendar.getByLabel("Show in zone").selectOption("America/New_York");
    await expect(calendar.getByTestId("calendar-Mon")).toContainText("09:00–17:00");
    await expect(calendar.getByTestId("calendar-Sat")).toContainText("closed");
    await calendar.getByLabel("Show in zone").selectOption("UTC");
    await expect(calendar.getByTestId("calendar-Mon")).toContainText(/1[34]:00–2[12]:00/);
    await expect(calendar.getByTestId("calendar-now")).toHaveCount(1);
    await page.setViewportSize({ width: 1024, height: 1600 });
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(1024);
    await page.screenshot({
      path: test.info().outputPath("workflow-draft-1024.png"),
      fullPage: true,
    });
    await dialogStep(page, "Discard draft", /Discard draft 5/, "e2e: only looking", "Discard");
    await expect(page.getByTestId("version-5")).toHaveCount(0);

    await dialogStep(page, "Roll back", /Roll back version 4/, "e2e: done with the canary");
    await expect(page.getByTestId("canary")).toHaveText("none rolling out");
    const d = await detail(page.request, id);
    expect(d.versions.find((v) => v.version === 4)!.status).toBe("retired");
    // the accounts that were on the canary are on the baseline again
    const canaryAccount = [...routed].find(([, v]) => v === 4)![0];
    const res = await page.request.post("/api/agent/v1/action-requests", {
      headers: { authorization: `Bearer ${fixtures.agentKey}` },
      data: {
        idempotencyKey: `e2e-wf-${RUN}-${canaryAccount}-after-rollback`,
        workflow: { key: WF },
        actionType: "opportunity.create",
        target: { system: "salesforce", object: "Opportunity" },
        changes: {
          Name: `E2E canary ${canaryAccount}`,
          AccountId: canaryAccount,
          StageName: "Prospecting",
          CloseDate: "2027-03-31",
          Amount: 1000,
        },
        reason: { code: "MEETING_HELD", text: "e2e: after the rollback" },
      },
    });
    expect(res.status()).toBe(201);
    expect(((await res.json()) as { workflow: { version: number } }).workflow.version).toBe(3);
    expect(await workflowId(page.request)).toBe(id);
  });

  test("an admin trips and resets the workflow's kill switch from its page", async ({ page }) => {
    await signIn(page, "admin");
    await page.goto(`/workflows/${id}`);
    const panel = page.getByTestId("workflow-kill-switch");
    await expect(panel).toContainText("Off");
    await panel.getByRole("button", { name: /^Trip/ }).click();
    await panel.getByLabel("Why trip this switch?").fill("e2e: the workflow misbehaves");
    await panel.getByRole("button", { name: "Trip switch" }).click();
    await expect(panel.getByRole("status")).toContainText(
      /Tripped\. \d+ queued requests? halted\./,
    );
    await expect(panel).toContainText("Engaged");
    await expect(panel).toContainText("e2e: the workflow misbehaves");
    const refused = await page.request.post("/api/agent/v1/action-requests", {
      headers: { authorization: `Bearer ${fixtures.agentKey}` },
      data: {
        idempotencyKey: `e2e-wf-${RUN}-switch`,
        workflow: { key: WF },
        actionType: "opportunity.create",
        target: { system: "salesforce", object: "Opportunity" },
        changes: {
          Name: "E2E switch",
          AccountId: ACCOUNTS[0],
          StageName: "Prospecting",
          CloseDate: "2027-03-31",
          Amount: 1,
        },
        reason: { code: "MEETING_HELD", text: "e2e: while the switch is on" },
      },
    });
    expect(refused.status()).toBe(423);
    await panel.getByRole("button", { name: /^Reset/ }).click();
    await panel.getByLabel("Why reset this switch?").fill("e2e: fixed");
    await panel.getByRole("button", { name: "Reset switch" }).click();
    await expect(panel).toContainText("Off");
  });
});
