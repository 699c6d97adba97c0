import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { seedAgent } from "@/lib/seed/seed-helpers";
import { createApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { makeRng } from "@/lib/core/prng";
import { startApiInstance } from "./fixtures/api-instance";

const RECORDED = new Set([403, 404, 409, 422, 423, 429]);
const HOSTILE = [
  '\'; DROP TABLE "ActionRequest"; --',
  "1 OR 1=1",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "{{7*7}} ${7*7}",
  "../../etc/passwd",
  'Robert\'); DELETE FROM "AuditEvent";--',
  "😀🚀 naïve café Ωmega 中文 עברית",
  "\u202Eevil\u202C",
  "\uFEFFbom",
  "a\u0301\u0301\u0301",
  "\ud83d",
  "x".repeat(60_000),
  "",
  " ",
  "\n\r\t",
];

/**
 * ≥ 2,000 malformed or hostile bodies: never a 5xx, always problem+json, and no row written
 * except the refusals API.md says are recorded.
 */
describe("agent API under hostile input", () => {
  let sandbox: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  let key: string;
  let agentId: string;
  let closedOpp: string;
  let openOpp: string;

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo" });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
    const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
    const owner = await db.user.findFirstOrThrow();
    const agent = await seedAgent(db, { environmentId: prod.id, ownerId: owner.id });
    await db.agent.update({
      where: { id: agent.id },
      data: { callsPerMinute: 1_000_000, writesPerHour: 1_000_000 },
    });
    const set = await db.permissionSet.findFirstOrThrow({
      where: { slug: "pipeline-hygiene", environmentId: prod.id },
    });
    await db.agentPermissionSet.create({ data: { agentId: agent.id, permissionSetId: set.id } });
    agentId = agent.id;
    key = (await createApiKey({ agentSlug: agent.slug, envSlug: "prod" })).plaintext;
    const opps = [...sandbox.store.records("Opportunity")] as { Id: string; IsClosed: boolean }[];
    closedOpp = opps.find((o) => o.IsClosed)!.Id;
    openOpp = opps.find((o) => !o.IsClosed)!.Id;
  });
  afterAll(async () => {
    await api.close();
    await sandbox.close();
  });

  it("survives 2,000+ hostile bodies", async () => {
    const rng = makeRng(4242);
    const valid = (i: number) => ({
      idempotencyKey: `fuzz-${i}`,
      workflow: { key: "pipeline-hygiene", version: 2 },
      actionType: "opportunity.change_stage",
      target: { system: "salesforce", object: "Opportunity", recordId: closedOpp },
      changes: { StageName: "Negotiation/Review" },
      reason: { code: "MEETING_HELD", text: "x" },
      evidence: [{ type: "call_summary", ref: "gong:1" }],
    });
    const junk = (): unknown =>
      rng.pick([
        null,
        0,
        -1,
        1e308,
        true,
        "",
        "x",
        [],
        {},
        [[[]]],
        { $gt: "" },
        "NaN",
        3.14,
        "2026-13-45",
        -0,
      ]);
    const deep = (d: number): unknown => (d === 0 ? "bottom" : { a: deep(d - 1) });
    const paths = [
      "idempotencyKey",
      "workflow",
      "workflow.key",
      "workflow.version",
      "actionType",
      "target",
      "target.system",
      "target.object",
      "target.recordId",
      "changes",
      "changes.StageName",
      "reason",
      "reason.code",
      "reason.text",
      "evidence",
      "evidence.0",
      "evidence.0.ref",
    ];
    const set = (o: Record<string, unknown>, path: string, v: unknown) => {
      const parts = path.split(".");
      let cur: Record<string, unknown> = o;
      for (const p of parts.slice(0, -1))
        cur = (cur[p] ?? (cur[p] = {})) as Record<string, unknown>;
      cur[parts.at(-1)!] = v;
    };

    const bodies: { body: string; expectRecord?: string }[] = [];
    for (let i = 0; bodies.length < 2100; i++) {
      const kind = i % 8;
      const b = valid(i) as unknown as Record<string, unknown>;
      if (kind === 0) set(b, rng.pick(paths), junk());
      else if (kind === 1) set(b, rng.pick(paths), rng.pick(HOSTILE));
      else if (kind === 2) set(b, rng.pick(paths), deep(rng.int(50, 3000)));
      else if (kind === 3)
        b[rng.pick(["extra", "__proto__", "constructor", "status", "id"])] = rng.pick(HOSTILE);
      else if (kind === 4) {
        bodies.push({
          body: rng.pick([
            "",
            "null",
            "[]",
            "42",
            '"str"',
            "{",
            '{"a":',
            "\u0000",
            "{}",
            '{"idempotencyKey":"\\u0000"}',
            "�",
            "[".repeat(5000),
          ]),
        });
        continue;
      } else if (kind === 5) {
        // hostile but well-formed reason text on a request the policy refuses: recorded verbatim
        const text = rng.pick(HOSTILE.filter((h) => h.length < 4000 && h !== "\ud83d"));
        (b.reason as Record<string, unknown>).text = text;
        bodies.push({ body: JSON.stringify(b), expectRecord: text });
        continue;
      } else if (kind === 6)
        set(
          b,
          "changes",
          Object.fromEntries(
            Array.from({ length: rng.int(1, 150) }, (_, j) => [
              rng.pick([
                "StageName",
                "Amount",
                `F${j}`,
                "a b",
                "1x",
                "Name__c",
                "ÅÄÖ",
                "x".repeat(90),
              ]),
              junk(),
            ]),
          ),
        );
      else
        set(
          b,
          "target.recordId",
          rng.pick([
            "006",
            "006000000000000AAA",
            openOpp.slice(0, 14),
            "'; --",
            "0".repeat(18),
            "001" + "x".repeat(15),
          ]),
        );
      bodies.push({ body: JSON.stringify(b) });
    }

    const rowsBefore = await db.actionRequest.count({ where: { agentId } });
    const statuses = new Map<number, number>();
    // a refusal is recorded once per idempotency key: a replay or a 409 adds no row
    const recordedKeys = new Set<string>();
    const BATCH = 16;
    for (let i = 0; i < bodies.length; i += BATCH) {
      await Promise.all(
        bodies.slice(i, i + BATCH).map(async ({ body, expectRecord }) => {
          const res = await fetch(`${api.url}/api/agent/v1/action-requests`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body,
          });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, body.slice(0, 300)).toBeLessThan(500);
          expect(res.status, body.slice(0, 300)).toBeGreaterThanOrEqual(400);
          expect(res.headers.get("content-type"), body.slice(0, 200)).toContain(
            "application/problem+json",
          );
          const problem = await res.json();
          expect(problem).toMatchObject({
            status: res.status,
            code: expect.any(String),
            detail: expect.any(String),
          });
          if (RECORDED.has(res.status) && res.status !== 409)
            recordedKeys.add(String(JSON.parse(body).idempotencyKey).trim());
          if (expectRecord !== undefined) expect(problem.code).toBe("scope_denied");
        }),
      );
    }
    expect(bodies.length).toBeGreaterThanOrEqual(2000);
    const rowsAfter = await db.actionRequest.count({ where: { agentId } });
    expect(rowsAfter - rowsBefore).toBe(recordedKeys.size);
    expect(await db.actionRequest.count({ where: { agentId, refusalCode: null } })).toBe(0);
    // the hostile reason texts were stored as data, byte for byte
    const stored = await db.actionRequest.findMany({
      where: { agentId, reasonText: { in: HOSTILE.filter((h) => h !== "\ud83d") } },
      select: { reasonText: true },
    });
    expect(stored.length).toBeGreaterThan(50);
    expect(await db.auditEvent.count()).toBeGreaterThan(0);
    console.log("fuzz status counts", Object.fromEntries(statuses));
  }, 300_000);
});
