import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession, which needs a Next
// request; the tests hand it the session next-auth would build from a signed-in cookie.
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedUser } from "@/lib/seed/seed-helpers";
import { listRequests, type TRequestQueryInput, type TRequestRow } from "@/lib/requests";
import { GET as list } from "@/app/api/internal/requests/route";
import { GET as exportRoute } from "@/app/api/internal/requests/export/route";
import { useScratch } from "./fixtures/scratch";

const get = (path: string) =>
  new Request(`http://localhost:3000${path}`, { headers: { host: "localhost:3000" } });
const noParams = { params: Promise.resolve({}) };

/** RFC 4180 lines back into cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

/** The Requests page's list and export: every filter, keyset pages with ties, the 400s. */
describe("requests list", () => {
  const s = useScratch();
  // every row in the year 2001, apart from everything else in the shared database
  const T = (minute: number) => new Date(Date.UTC(2001, 0, 1, 12, minute));
  let a: { id: string; environmentId: string; name: string };
  let b: { id: string; environmentId: string; name: string };
  let wv: string;
  let types: { id: string; key: string; name: string }[];
  let people: { id: string; name: string }[];
  const ids: Record<string, string> = {};

  async function make(
    key: string,
    agent: { id: string; environmentId: string },
    status: ActionRequestStatus,
    minute: number,
    extra: Partial<Parameters<typeof db.actionRequest.create>[0]["data"]> = {},
  ) {
    const id = prefixedId("ar");
    ids[key] = id;
    await db.actionRequest.create({
      data: {
        id,
        agentId: agent.id,
        environmentId: agent.environmentId,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: "Opportunity",
        status,
        createdAt: T(minute),
        ...extra,
      } as Parameters<typeof db.actionRequest.create>[0]["data"],
    });
    return id;
  }

  beforeAll(async () => {
    a = await s.agent("dev");
    b = await s.agent("prod");
    wv = (await s.workflowVersion()).version.id;
    types = await db.actionType.findMany({ take: 2, orderBy: { key: "asc" } });
    people = [
      await seedUser(db, { name: "Priya Approver", roles: ["approver"] }),
      await seedUser(db, { name: "Sam Second", roles: ["approver"] }),
    ];
    await make("won", a, "succeeded", 0, {
      workflowVersionId: wv,
      actionTypeId: types[0].id,
      recordId: "006Aa000001XyZ9QAB",
      recordSummary: {
        name: "Acme Renewal",
        account: null,
        amount: null,
        stage: null,
        owner: null,
      },
      reasonText: '=HYPERLINK("http://evil","x")',
      decisionOutcome: "pending_approval",
      approvals: {
        create: [
          { approverId: people[0].id, decision: "approved", createdAt: T(1) },
          { approverId: people[1].id, decision: "approved", createdAt: T(2) },
        ],
      },
    });
    await make("refused", a, "denied", 0, {
      actionTypeId: types[1].id,
      reasonText: 'Has "quotes", commas\nand a newline',
      refusalStatus: 403,
      refusalCode: "no_policy_rule",
      refusalDetail: "No rule covers this",
    });
    await make("failed", a, "failed", 0, {
      workflowVersionId: wv,
      decisionOutcome: "auto_approved",
      lastErrorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      lastErrorMessage: "Close date required",
      recordId: "006Aa000001XyZ9",
      reasonText: "100% sure",
    });
    await make("waiting", a, "pending_approval", 5, { reasonText: "+1 for this deal" });
    // ties on createdAt across page boundaries
    for (let i = 0; i < 9; i++) await make(`tie${i}`, a, "observed", i < 6 ? 3 : 4);
    await make("prodOne", b, "succeeded", 1, { recordId: "001Bb000002AbCdEFG" });

    const admin = await db.user.findUniqueOrThrow({ where: { email: "admin@tollgate.demo" } });
    const sid = await createUserSession(admin.id, null);
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: admin.id, sid }, expires: "" });
  });
  afterAll(async () => {
    // the requests (and their approvals) first: the approvers are referenced by them
    await db.actionRequest.deleteMany({ where: { id: { in: Object.values(ids) } } });
    await db.user.deleteMany({ where: { id: { in: people.map((p) => p.id) } } });
  });

  /** Every row the filters select, page after page (small pages: many boundaries). */
  async function all(q: TRequestQueryInput, limit = 4) {
    const rows: TRequestRow[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 50; n++) {
      const page = await listRequests({ ...q, limit, cursor });
      rows.push(...page.items);
      if (!page.nextCursor) return rows;
      cursor = page.nextCursor;
    }
    throw new Error("no last page");
  }
  const idsOf = (rows: { id: string }[]) => rows.map((r) => r.id);
  /** The expected order: createdAt desc, then id desc. */
  const ordered = async (keys: string[]) => {
    const rows = await db.actionRequest.findMany({
      where: { id: { in: keys.map((k) => ids[k]) } },
      select: { id: true, createdAt: true },
    });
    return rows
      .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (x.id < y.id ? 1 : -1))
      .map((r) => r.id);
  };
  const keysOfA = () => Object.keys(ids).filter((k) => k !== "prodOne");

  it("pages by keyset across ties on createdAt, forwards and back, no row twice or skipped", async () => {
    const expected = await ordered(keysOfA());
    expect(idsOf(await all({ agent: a.id }))).toEqual(expected);

    const p1 = await listRequests({ agent: a.id, limit: 4 });
    expect(p1.prevCursor).toBeNull();
    const p2 = await listRequests({ agent: a.id, limit: 4, cursor: p1.nextCursor! });
    const p3 = await listRequests({ agent: a.id, limit: 4, cursor: p2.nextCursor! });
    expect(idsOf(p3.items)).toEqual(expected.slice(8, 12));
    const back2 = await listRequests({ agent: a.id, limit: 4, cursor: p3.prevCursor! });
    expect(idsOf(back2.items)).toEqual(idsOf(p2.items));
    expect(back2.nextCursor).not.toBeNull();
    const back1 = await listRequests({ agent: a.id, limit: 4, cursor: back2.prevCursor! });
    expect(idsOf(back1.items)).toEqual(idsOf(p1.items));
    expect(back1.prevCursor).toBeNull();
    const last = await listRequests({ agent: a.id, limit: 4, cursor: p3.nextCursor! });
    expect(idsOf(last.items)).toEqual(expected.slice(12));
    expect(last.nextCursor).toBeNull();
  });

  it("shows names, not ids: agent, workflow version, action type, record, who decided, outcome", async () => {
    const rows = await all({ agent: a.id });
    const byKey = (k: string) => rows.find((r) => r.id === ids[k])!;
    expect(byKey("won")).toMatchObject({
      agent: { id: a.id, name: a.name },
      workflow: { versionId: wv, version: 1 },
      actionType: { key: types[0].key, name: types[0].name },
      recordName: "Acme Renewal",
      recordId: "006Aa000001XyZ9QAB",
      decidedBy: { kind: "people", names: ["Priya Approver", "Sam Second"] },
      outcome: "succeeded",
    });
    expect(byKey("refused")).toMatchObject({
      decidedBy: { kind: "refused", code: "no_policy_rule" },
      outcome: "no_policy_rule",
    });
    expect(byKey("failed")).toMatchObject({
      decidedBy: { kind: "auto" },
      outcome: "FIELD_CUSTOM_VALIDATION_EXCEPTION: Close date required",
    });
    expect(byKey("waiting").decidedBy).toBeNull();
  });

  it("filters by status (several), workflow version, action type and environment", async () => {
    expect(idsOf(await all({ agent: a.id, status: "succeeded,denied" }))).toEqual(
      await ordered(["won", "refused"]),
    );
    expect(idsOf(await all({ agent: a.id, status: "observed" }, 2))).toEqual(
      await ordered([...Array(9).keys()].map((i) => `tie${i}`)),
    );
    expect(idsOf(await all({ workflowVersion: wv }))).toEqual(await ordered(["won", "failed"]));
    expect(idsOf(await all({ agent: a.id, actionType: types[1].key }))).toEqual([ids.refused]);
    expect(idsOf(await all({ agent: b.id, environment: "prod" }))).toEqual([ids.prodOne]);
    expect(await all({ agent: b.id, environment: "dev" })).toEqual([]);
    expect(await all({ actionType: "no.such_type" })).toEqual([]);
  });

  it("matches a record id by its first 15 characters, given 15 or 18", async () => {
    const both = await ordered(["won", "failed"]);
    expect(idsOf(await all({ record: "006Aa000001XyZ9" }))).toEqual(both);
    expect(idsOf(await all({ record: "006Aa000001XyZ9QAB" }))).toEqual(both);
    expect(idsOf(await all({ record: "006Aa000001XyZ9ZZZ" }))).toEqual(both);
    // 15-character ids are case-sensitive: another case is another record
    expect(await all({ record: "006aa000001xyz9" })).toEqual([]);
  });

  it("searches reason text and record name, case-insensitively, % and _ literally", async () => {
    expect(idsOf(await all({ q: "acme renew" }))).toEqual([ids.won]);
    expect(idsOf(await all({ agent: a.id, q: "COMMAS" }))).toEqual([ids.refused]);
    expect(idsOf(await all({ agent: a.id, q: "100%" }))).toEqual([ids.failed]);
    expect(await all({ agent: a.id, q: "1_0" })).toEqual([]);
  });

  it("limits to a time range, both ends included", async () => {
    expect(
      idsOf(await all({ agent: a.id, from: T(3).toISOString(), to: T(4).toISOString() })),
    ).toEqual(await ordered([...Array(9).keys()].map((i) => `tie${i}`)));
    expect(idsOf(await all({ agent: a.id, from: T(5).toISOString() }))).toEqual([ids.waiting]);
    expect(idsOf(await all({ agent: a.id, to: T(0).toISOString() }))).toEqual(
      await ordered(["won", "refused", "failed"]),
    );
  });

  it("answers a bad query with 400 invalid_query and the failing field", async () => {
    for (const [q, field] of [
      ["status=nope", "status"],
      ["record=006short", "record"],
      ["from=yesterday", "from"],
      ["limit=100000", "limit"],
      ["cursor=garbage", null],
    ] as const) {
      const res = await list(get(`/api/internal/requests?${q}`), noParams);
      expect(res.status, q).toBe(400);
      const problem = await res.json();
      expect(problem.code).toBe("invalid_query");
      if (field)
        expect(problem.errors.map((e: { path: string }) => e.path.split(".")[0])).toContain(field);
    }
    const res = await exportRoute(get(`/api/internal/requests/export?format=xlsx`), noParams);
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("invalid_query");
    const ok = await list(get(`/api/internal/requests?agent=${a.id}&limit=2`), noParams);
    expect(ok.status).toBe(200);
    expect((await ok.json()).items).toHaveLength(2);
  });

  it("exports CSV escaped and formula-safe, and JSONL rows equal to the list", async () => {
    const csvRes = await exportRoute(
      get(`/api/internal/requests/export?format=csv&agent=${a.id}`),
      noParams,
    );
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-type")).toContain("text/csv");
    expect(csvRes.headers.get("x-total-count")).toBe(String(keysOfA().length));
    const text = await csvRes.text();
    const [header, ...rows] = parseCsv(text);
    expect(header).toContain("record_name");
    expect(rows).toHaveLength(keysOfA().length);
    const col = (name: string) => header.indexOf(name);
    const row = (key: string) => rows.find((r) => r[col("id")] === ids[key])!;
    expect(row("won")[col("reason")]).toBe('\'=HYPERLINK("http://evil","x")');
    expect(row("won")[col("decided_by")]).toBe("Priya Approver; Sam Second");
    expect(row("won")[col("agent")]).toBe(a.name);
    expect(row("won")[col("agent_id")]).toBe(a.id);
    expect(row("refused")[col("reason")]).toBe('Has "quotes", commas\nand a newline');
    expect(row("refused")[col("decided_by")]).toBe("refused: no_policy_rule");
    expect(row("waiting")[col("reason")]).toBe("'+1 for this deal");
    expect(text).toContain('"Has ""quotes"", commas\nand a newline"');
    expect(rows.map((r) => r[col("id")])).toEqual(await ordered(keysOfA()));

    const jsonRes = await exportRoute(
      get(`/api/internal/requests/export?format=jsonl&agent=${a.id}&status=observed,succeeded`),
      noParams,
    );
    expect(jsonRes.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await jsonRes.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    const listed = await all({ agent: a.id, status: "observed,succeeded" });
    expect(lines).toEqual(JSON.parse(JSON.stringify(listed)));
    expect(lines).toHaveLength(10);
  });
});
