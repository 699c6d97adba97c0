import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

/**
 * A page on another origin of the same host (same site, so the browser sends the console's
 * session cookie along) makes the signed-in person's browser post to the console. The console
 * must refuse it: a `text/plain` body needs no CORS preflight, which is why it is the classic
 * forgery, and JSON from another origin is refused too.
 */
let attacker: http.Server;
let attackerUrl = "";

test.beforeAll(async () => {
  attacker = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>Win a prize</title><h1>Win a prize</h1>");
  });
  await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", r));
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
});
test.afterAll(() => new Promise<void>((r) => attacker.close(() => r())));

const console_ = (path: string) => `http://localhost:${process.env.E2E_PORT ?? 3100}${path}`;

/** From the attacker's page: a no-cors text/plain post and a cors JSON post, with cookies. */
async function forge(page: Page, path: string, body: object) {
  await page.goto(attackerUrl);
  return page.evaluate(
    async ({ url, body }) => {
      const out: string[] = [];
      await fetch(url, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify(body),
      }).then(
        () => out.push("text sent"),
        () => out.push("text blocked"),
      );
      await fetch(url, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(
        (r) => out.push(`json ${r.status}`),
        () => out.push("json blocked"),
      );
      return out;
    },
    { url: console_(path), body },
  );
}

test("a cross-origin post with the admin's cookie does not trip a kill switch", async ({
  page,
}) => {
  await signIn(page, "admin");
  const sent = await forge(page, "/api/internal/kill-switches/trip", {
    scope: "global",
    reason: "forged",
  });
  expect(sent).toContain("text sent"); // the browser did send it, cookie and all
  const res = await page.request.get(console_("/api/internal/kill-switches"));
  const rows: { scope: string; engaged: boolean }[] = (await res.json()).killSwitches;
  expect(rows.find((r) => r.scope === "global")).toMatchObject({ engaged: false });
});

test("a cross-origin post with an approver's cookie does not approve", async ({ page }) => {
  await signIn(page, "approver");
  const inbox = await (await page.request.get(console_("/api/internal/inbox"))).json();
  const id: string = inbox.items.find((i: { approvals: number }) => i.approvals === 0).id;
  await forge(page, `/api/internal/inbox/${id}/decision`, { decision: "approve" });
  // still waiting, with no decision of mine recorded
  const after = await (await page.request.get(console_("/api/internal/inbox"))).json();
  const item = after.items.find((i: { id: string }) => i.id === id);
  expect(item).toMatchObject({ approvals: 0, decidedByMe: false });
});
