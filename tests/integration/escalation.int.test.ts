import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { demoRecordIds } from "@/lib/connectors/salesforce-sandbox";
import { encryptSecret } from "@/lib/core/secrets";
import { escalateOverdue, expireStale } from "@/lib/execution/sweep";
import { executeRequest } from "@/lib/execution/execute";
import { stopBoss } from "@/lib/execution/queue";
import { decideActionRequest } from "@/lib/approvals";
import { verifySignature, SIGNATURE_HEADER } from "@/lib/webhooks/signing";
import { setAgentCallback, setGroupWebhook } from "@/lib/webhooks/config";
import { DestinationRefused, setResolver } from "@/lib/net/destination";
import type { TCurrentUser } from "@/lib/auth";
import { executionSandbox, requestFor } from "./fixtures/execution";

type TDeliverModule = typeof import("@/lib/webhooks/deliver");
type THit = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number };

/** A local webhook receiver: records every POST; `answer` decides the status per path. */
async function startReceiver() {
  const hits: THit[] = [];
  let answer: (path: string, nth: number) => number = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      hits.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      });
      const nth = hits.filter((h) => h.path === path).length;
      res.writeHead(answer(path, nth), { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (path: string) => hits.filter((h) => h.path === path),
    answer: (fn: typeof answer) => {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Escalation of overdue approvals, expiry, and the signed webhooks both send (escalations to
 * approver groups, status callbacks to agents), delivered with retries and backoff.
 */
describe("escalation, expiry and webhooks", () => {
  let box: Awaited<ReturnType<typeof executionSandbox>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let deliver: TDeliverModule;
  let agentId: string;
  let environmentId: string;
  const opps = demoRecordIds().opportunities;
  let next = 0;
  const opp = () => opps[40 + next++];
  const worker = { workerId: "escalation-test" };
  /** A queued escalation webhook to `url` for the delivery tests. */
  const queuedEscalation = (url: string, payload: object = { t: 1 }) =>
    db.webhookDelivery.create({
      data: { kind: "escalation", target: "group:revops_oncall", url, payload },
    });
  const GROUP_SECRETS = { revops_oncall: "oncall-secret", deal_desk: "deal-desk-secret" };
  const MIN = 60_000;

  const pending = (extra: Partial<Parameters<typeof requestFor>[1]>) =>
    requestFor(box.sf, {
      agentId,
      environmentId,
      recordId: opp(),
      changes: { NextStep: `escalation ${next}` },
      status: "pending_approval",
      ...extra,
    });
  const userOf = async (email: string): Promise<TCurrentUser> => {
    const u = await db.user.findUniqueOrThrow({
      where: { email },
      include: { roles: true, groups: { include: { group: true } } },
    });
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      roles: u.roles.map((r) => r.role),
      groups: u.groups.map((g) => g.group.key),
    };
  };
  /** Run deliverDueWebhooks until the given delivery leaves `pending` (or `until` holds). */
  const deliverUntil = async (deliveryId: string, until = (s: string) => s !== "pending") => {
    for (let i = 0; i < 100; i++) {
      await deliver.deliverDueWebhooks();
      const d = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      if (until(d.status)) return d;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`delivery ${deliveryId} never settled`);
  };

  beforeAll(async () => {
    // deliver.ts reads these at module load, so it is imported only after they are set
    vi.stubEnv("TOLLGATE_WEBHOOK_BACKOFF_MS", "20");
    vi.stubEnv("TOLLGATE_WEBHOOK_MAX_ATTEMPTS", "3");
    deliver = await import("@/lib/webhooks/deliver");
    expect(deliver.MAX_DELIVERY_ATTEMPTS).toBe(3);

    await seedDemoOrg();
    box = await executionSandbox();
    receiver = await startReceiver();
    const agent = await db.agent.findFirstOrThrow({
      where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
    });
    agentId = agent.id;
    environmentId = agent.environmentId;
    // The seeded history has overdue approvals of its own: escalate them before any group has
    // a webhook, so this file's requests are the only ones that produce deliveries.
    for (let i = 0; i < 50 && (await escalateOverdue()) > 0; i++);
    for (const [key, secret] of Object.entries(GROUP_SECRETS)) {
      await db.approverGroup.update({
        where: { key },
        data: {
          webhookUrl: `${receiver.url}/groups/${key}`,
          webhookSecretEnc: encryptSecret(secret),
        },
      });
    }
  });
  afterAll(async () => {
    await db.approverGroup.updateMany({
      where: { key: { in: Object.keys(GROUP_SECRETS) } },
      data: { webhookUrl: null, webhookSecretEnc: null },
    });
    await db.agent.update({
      where: { id: agentId },
      data: { callbackUrl: null, callbackSecretEnc: null },
    });
    // nobody will listen at this address again
    await db.webhookDelivery.deleteMany({ where: { url: { startsWith: receiver.url } } });
    vi.unstubAllEnvs();
    await stopBoss();
    await receiver.close();
    await box.close();
  });

  it("escalates an overdue request once, to the on-call group, with a signed webhook per configured group", async () => {
    const onCall = await db.approverGroup.findFirstOrThrow({ where: { isOnCall: true } });
    expect(onCall.key).toBe("revops_oncall");
    const slaDueAt = new Date(Date.now() - 5 * MIN);
    const dealDesk = await pending({ approverRole: "deal_desk", slaDueAt });
    // sales_ops has no webhook: only the on-call group hears about this one
    const salesOps = await pending({ approverRole: "sales_ops", slaDueAt });
    const notYet = await pending({
      approverRole: "deal_desk",
      slaDueAt: new Date(Date.now() + 60 * MIN),
    });

    expect(await escalateOverdue()).toBeGreaterThanOrEqual(2);
    const first = await db.actionRequest.findUniqueOrThrow({ where: { id: dealDesk } });
    expect(first.escalatedAt).toBeInstanceOf(Date);
    expect(first.escalatedTo).toBe("revops_oncall");
    expect(first.status).toBe("pending_approval");
    expect(await escalateOverdue()).toBe(0);
    const again = await db.actionRequest.findUniqueOrThrow({ where: { id: dealDesk } });
    expect(again.escalatedAt).toEqual(first.escalatedAt);
    const untouched = await db.actionRequest.findUniqueOrThrow({ where: { id: notYet } });
    expect(untouched.escalatedAt).toBeNull();
    expect(untouched.escalatedTo).toBeNull();

    const audit = await db.auditEvent.findMany({
      where: { subjectId: dealDesk, action: "action_request.escalated" },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0].payload).toMatchObject({ from: "deal_desk", to: "revops_oncall" });

    const deliveries = await db.webhookDelivery.findMany({
      where: { actionRequestId: { in: [dealDesk, salesOps, notYet] } },
    });
    const targets = (id: string) =>
      deliveries
        .filter((d) => d.actionRequestId === id)
        .map((d) => d.target)
        .sort();
    expect(targets(dealDesk)).toEqual(["group:deal_desk", "group:revops_oncall"]);
    expect(targets(salesOps)).toEqual(["group:revops_oncall"]);
    expect(targets(notYet)).toEqual([]);
    expect(deliveries.every((d) => d.kind === "escalation" && d.status === "pending")).toBe(true);

    for (const d of deliveries.filter((x) => x.actionRequestId === dealDesk)) {
      const done = await deliverUntil(d.id);
      expect(done).toMatchObject({ status: "delivered", attempts: 1, lastError: null });
      const key = d.target!.slice("group:".length) as keyof typeof GROUP_SECRETS;
      const hit = receiver
        .hits(`/groups/${key}`)
        .find((h) => h.headers["tollgate-delivery"] === d.id);
      expect(hit).toBeDefined();
      const header = hit!.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifySignature(GROUP_SECRETS[key], hit!.body, header)).toMatchObject({ ok: true });
      expect(verifySignature("not-the-secret", hit!.body, header).ok).toBe(false);
      const other = key === "deal_desk" ? GROUP_SECRETS.revops_oncall : GROUP_SECRETS.deal_desk;
      expect(verifySignature(other, hit!.body, header).ok).toBe(false);
      const body = JSON.parse(hit!.body);
      expect(body).toMatchObject({
        type: "action_request.escalated",
        id: dealDesk,
        approverRole: "deal_desk",
        escalatedTo: "revops_oncall",
      });
      expect(typeof body.text).toBe("string");
      expect(body.text).toContain(dealDesk);
    }
  });

  it("retries a failing receiver with exponential backoff until it answers 2xx", async () => {
    const path = `/flaky/${randomUUID()}`;
    receiver.answer((p, nth) => (p === path && nth <= 2 ? 500 : 200));
    const d = await queuedEscalation(`${receiver.url}${path}`, {
      text: "flaky receiver",
      id: "test",
    });
    expect(deliver.webhookBackoffMs(1)).toBe(20);
    expect(deliver.webhookBackoffMs(2)).toBe(40);

    for (const attempt of [1, 2]) {
      const start = Date.now();
      await deliver.deliverDueWebhooks();
      const end = Date.now();
      const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
      expect(row).toMatchObject({ status: "pending", attempts: attempt, lastError: "HTTP 500" });
      const wait = deliver.webhookBackoffMs(attempt);
      expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(start + wait);
      expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(end + wait);
      await new Promise((r) => setTimeout(r, wait + 10));
    }
    const done = await deliverUntil(d.id);
    expect(done).toMatchObject({ status: "delivered", attempts: 3, lastError: null });
    expect(done.deliveredAt).toBeInstanceOf(Date);
    expect(receiver.hits(path)).toHaveLength(3);
    receiver.answer(() => 200);
  });

  it("gives up as failed after the maximum attempts and stays visible", async () => {
    const path = `/down/${randomUUID()}`;
    receiver.answer((p) => (p === path ? 503 : 200));
    const d = await queuedEscalation(`${receiver.url}${path}`, {
      text: "receiver down",
      id: "test",
    });
    const done = await deliverUntil(d.id);
    expect(done).toMatchObject({ status: "failed", attempts: 3, lastError: "HTTP 503" });
    expect(receiver.hits(path)).toHaveLength(3);
    // a failed delivery is never picked up again
    await new Promise((r) => setTimeout(r, 100));
    await deliver.deliverDueWebhooks();
    expect(receiver.hits(path)).toHaveLength(3);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({
      status: "failed",
      attempts: 3,
    });
    receiver.answer(() => 200);
  });

  it("lets an on-call member decide only once the request is escalated to on-call", async () => {
    const oncall = await userOf("oncall@tollgate.demo");
    expect(oncall.groups).toEqual(["revops_oncall"]);
    const aeManager = await userOf("aemanager@tollgate.demo");
    const id = await pending({ approverRole: "deal_desk", slaDueAt: new Date(Date.now() - MIN) });

    await expect(decideActionRequest(id, oncall, { decision: "approve" })).rejects.toMatchObject({
      code: "forbidden",
      status: 403,
    });
    await escalateOverdue();
    expect(await db.actionRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({
      escalatedTo: "revops_oncall",
    });
    // escalation widens the group to on-call, not to every approver
    await expect(decideActionRequest(id, aeManager, { decision: "approve" })).rejects.toMatchObject(
      { code: "forbidden", status: 403 },
    );
    const result = await decideActionRequest(id, oncall, { decision: "approve" });
    expect(result.status).toBe("approved");
    const r = await db.actionRequest.findUniqueOrThrow({
      where: { id },
      include: { approvals: true },
    });
    expect(r.status).toBe("approved");
    expect(r.approvals.map((a) => a.approverId)).toEqual([oncall.id]);
    // run it here: an approved request left behind would be executed by another file's workers
    expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
  });

  it("expires pending and draft requests past their expiry, and nothing else", async () => {
    const past = new Date(Date.now() - MIN);
    const stalePending = await pending({ expiresAt: past });
    const staleDraft = await pending({ status: "draft", approverRole: null, expiresAt: past });
    const fresh = await pending({ expiresAt: new Date(Date.now() + 60 * MIN) });
    const approvedPast = await pending({ status: "approved", expiresAt: past });

    for (let i = 0; i < 50 && (await expireStale()) > 0; i++);
    expect(await expireStale()).toBe(0);

    for (const id of [stalePending, staleDraft]) {
      const r = await db.actionRequest.findUniqueOrThrow({
        where: { id },
        include: { approvals: true, attemptsLog: true },
      });
      expect(r.status).toBe("expired");
      expect(r.completedAt).toBeInstanceOf(Date);
      expect(r.decidedAt).toBeNull();
      expect(r.approvals).toHaveLength(0);
      expect(r.attemptsLog).toHaveLength(0);
      const events = await db.auditEvent.findMany({
        where: { subjectId: id, action: "action_request.expired" },
      });
      expect(events).toHaveLength(1);
      // and an expired request never runs
      expect((await executeRequest(id, worker)).outcome).toBe("skipped");
      expect(await db.executionAttempt.count({ where: { actionRequestId: id } })).toBe(0);
    }
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id: fresh } })).status).toBe(
      "pending_approval",
    );
    // expiry is about undecided work: an approved request is the worker's, not the sweep's
    expect((await db.actionRequest.findUniqueOrThrow({ where: { id: approvedPast } })).status).toBe(
      "approved",
    );
    expect((await executeRequest(approvedPast, worker)).outcome).toBe("succeeded");
  });

  it("calls the agent back, signed with its own secret, when its request succeeds", async () => {
    await db.agent.update({
      where: { id: agentId },
      data: {
        callbackUrl: `${receiver.url}/agent/callback`,
        callbackSecretEnc: encryptSecret("cb-secret"),
      },
    });
    try {
      const recordId = opp();
      const id = await requestFor(box.sf, {
        agentId,
        environmentId,
        recordId,
        changes: { NextStep: "Call back the agent" },
      });
      expect((await executeRequest(id, worker)).outcome).toBe("succeeded");

      const d = await db.webhookDelivery.findFirstOrThrow({
        where: { actionRequestId: id, kind: "agent_callback" },
      });
      expect(d.target).toBe(`agent:${agentId}`);
      expect(d.url).toBe(`${receiver.url}/agent/callback`);
      expect(d.payload).toMatchObject({ id, status: "succeeded" });
      expect(await db.webhookDelivery.count({ where: { actionRequestId: id } })).toBe(1);

      const done = await deliverUntil(d.id);
      expect(done).toMatchObject({ status: "delivered", attempts: 1 });
      const hit = receiver
        .hits("/agent/callback")
        .find((h) => h.headers["tollgate-delivery"] === d.id);
      expect(hit).toBeDefined();
      const header = hit!.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifySignature("cb-secret", hit!.body, header)).toMatchObject({ ok: true });
      expect(verifySignature(GROUP_SECRETS.revops_oncall, hit!.body, header).ok).toBe(false);
      const body = JSON.parse(hit!.body);
      expect(body).toMatchObject({
        type: "action_request.status_changed",
        id,
        status: "succeeded",
        agent: "pipeline-hygiene-bot",
        execution: {
          attempts: 1,
          result: { recordId, after: { NextStep: "Call back the agent" } },
        },
      });
    } finally {
      await db.agent.update({
        where: { id: agentId },
        data: { callbackUrl: null, callbackSecretEnc: null },
      });
    }
  });

  describe("webhook and callback destinations", () => {
    // DNS is stubbed: no name here resolves for real, and nothing is sent outside 127.0.0.0/8
    const DNS: Record<string, string> = {
      "hooks.example.com": "93.184.216.34",
      "intranet.example.com": "192.168.0.10",
      "metadata.example.com": "169.254.169.254",
      "ula.example.com": "fd00::5",
      "mapped.example.com": "::ffff:127.0.0.1",
    };
    beforeAll(() =>
      setResolver(async (host) => {
        if (!DNS[host]) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
        return [{ address: DNS[host], family: DNS[host].includes(":") ? 6 : 4 }];
      }),
    );
    afterAll(() => setResolver(null));
    afterEach(() => vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "1"));

    const REFUSED = [
      "http://hooks.example.com/tollgate", // https only
      "https://intranet.example.com/hook", // private after DNS
      "https://metadata.example.com/latest/meta-data", // link-local (cloud metadata) after DNS
      "https://169.254.169.254/latest/meta-data",
      "https://[::ffff:169.254.169.254]/",
      "https://ula.example.com/hook",
      "https://mapped.example.com/hook", // loopback behind a public-looking name
      "https://10.0.0.1/hook",
      "https://user:pass@hooks.example.com/hook",
    ];

    it("refuses http and private, loopback, link-local and metadata URLs when they are set, and changes nothing", async () => {
      const startedAt = new Date();
      const groupBefore = await db.approverGroup.findUniqueOrThrow({ where: { key: "deal_desk" } });
      const agentBefore = await db.agent.findUniqueOrThrow({ where: { id: agentId } });
      for (const url of REFUSED) {
        await expect(setGroupWebhook("deal_desk", url, null), url).rejects.toBeInstanceOf(
          DestinationRefused,
        );
        await expect(
          setAgentCallback("pipeline-hygiene-bot", "prod", url, null),
          url,
        ).rejects.toMatchObject({ status: 400, code: "destination_refused" });
      }
      // loopback only where loopback is allowed (the demo and tests), never otherwise
      vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "0");
      await expect(
        setGroupWebhook("deal_desk", `${receiver.url}/groups/deal_desk`, null),
      ).rejects.toBeInstanceOf(DestinationRefused);
      await expect(
        setAgentCallback("pipeline-hygiene-bot", "prod", `${receiver.url}/cb`, null),
      ).rejects.toBeInstanceOf(DestinationRefused);
      expect(await db.approverGroup.findUniqueOrThrow({ where: { key: "deal_desk" } })).toEqual(
        groupBefore,
      );
      expect(await db.agent.findUniqueOrThrow({ where: { id: agentId } })).toEqual(agentBefore);
      expect(
        await db.auditEvent.count({
          where: {
            action: { in: ["approver_group.webhook_set", "agent.callback_set"] },
            payload: { path: ["url"], string_contains: "example.com" },
            // other files in the run set webhooks of their own (the people console's tests)
            createdAt: { gte: startedAt },
          },
        }),
      ).toBe(0);
    });

    it("accepts a public https URL (stubbed DNS) and a loopback receiver in the demo", async () => {
      const saved = await setGroupWebhook("deal_desk", "https://hooks.example.com/t/1", null);
      expect(saved).toMatchObject({ url: "https://hooks.example.com/t/1" });
      const local = await setGroupWebhook("deal_desk", `${receiver.url}/groups/deal_desk`, null);
      expect(local.url).toBe(`${receiver.url}/groups/deal_desk`);
      await db.approverGroup.update({
        where: { key: "deal_desk" },
        data: { webhookSecretEnc: encryptSecret(GROUP_SECRETS.deal_desk) },
      });
    });

    it("checks the destination again at delivery: refused ones are never sent and fail at once", async () => {
      const path = `/late/${randomUUID()}`;
      const rows = await Promise.all(
        [
          "https://metadata.example.com/hook", // resolves to 169.254.169.254 at send time
          "https://intranet.example.com/hook",
          "http://hooks.example.com/hook",
          `${receiver.url}${path}`, // loopback, sent while loopback is turned off below
        ].map((url) => queuedEscalation(url)),
      );
      vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "0");
      for (const r of rows) {
        const done = await deliverUntil(r.id);
        expect(done).toMatchObject({ status: "failed", attempts: 1 });
        expect(done.lastError).toMatch(/^destination refused: /);
      }
      expect(receiver.hits(path)).toHaveLength(0);
    });

    it("keeps only a status or a fixed sentence: never the receiver's body, never which ports answer", async () => {
      const path = `/leaky/${randomUUID()}`;
      receiver.answer((p) => (p === path ? 500 : 200));
      const leaky = await queuedEscalation(`${receiver.url}${path}`);
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const refused = await queuedEscalation(`http://127.0.0.1:${closedPort}/nobody`);
      await deliverUntil(leaky.id, () => true);
      await deliverUntil(refused.id, () => true);
      const [a, b] = await Promise.all(
        [leaky.id, refused.id].map((id) => db.webhookDelivery.findUniqueOrThrow({ where: { id } })),
      );
      expect(a.lastError).toBe("HTTP 500");
      expect(b.lastError).toBe("unreachable: no answer from the receiver");
      expect(b.lastError).not.toMatch(/ECONNREFUSED|refused|fetch failed/i);
      receiver.answer(() => 200);
      await db.webhookDelivery.deleteMany({ where: { id: { in: [leaky.id, refused.id] } } });
    });
  });
});
