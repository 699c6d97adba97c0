import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// jsforce reads the proxy variables once, when it loads, and has no NO_PROXY check: clear
// them before the import below is evaluated, or loopback calls go to the proxy.
vi.hoisted(() => {
  for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"])
    delete process.env[name];
});

import jsforce from "jsforce";
import { demoRecordIds } from "./demo-data";
import { makeSalesforceId } from "./ids";
import { createSandboxServer, type SandboxServer } from "./server";
import { DEFAULT_SANDBOX_CREDENTIALS } from "./server-auth";
import { HUMAN_USER_ID, INTEGRATION_USER_ID } from "./store";

/** Well-formed ids (valid case checksum) that no record has. */
const MISSING_LEAD_ID = makeSalesforceId("00Q", 999_999);
const MISSING_USER_ID = makeSalesforceId("005", 999_999);

type ApiError = Error & { errorCode?: string; data?: { fields?: string[] } };

const START = Date.parse("2026-11-23T10:00:00.000Z");
let nowMs = START;
let server: SandboxServer;
const { username, password, clientId, clientSecret } = DEFAULT_SANDBOX_CREDENTIALS;

function connect(opts: { clientSecret?: string } = {}) {
  return new jsforce.Connection({
    oauth2: { loginUrl: server.url, clientId, clientSecret: opts.clientSecret ?? clientSecret },
    version: "62.0",
  });
}

async function login() {
  const conn = connect();
  await conn.login(username, password);
  return conn;
}

async function control(path: string, body: unknown = {}) {
  const res = await fetch(`${server.url}/__sandbox/${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`control ${path} failed: ${JSON.stringify(json)}`);
  return json;
}

async function rejection(promise: PromiseLike<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error("expected the call to fail");
}

/** What a careful client sends: the record's own LastModifiedDate as an HTTP date. */
const httpDateOf = (sfDateTime: string) => new Date(sfDateTime.replace("+0000", "Z")).toUTCString();

beforeAll(async () => {
  server = await createSandboxServer({
    control: true,
    clock: () => new Date(nowMs),
    seed: "demo",
    sessionTtlMs: 60 * 60 * 1000,
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  nowMs = START;
  await control("reset", { seed: "demo" });
});

describe("OAuth password login", () => {
  it("logs in and returns the identity jsforce expects", async () => {
    const conn = connect();
    const info = await conn.login(username, password);
    expect(info.id).toBe(INTEGRATION_USER_ID);
    expect(info.organizationId).toMatch(/^00D/);
    expect(conn.instanceUrl).toBe(server.url);
    expect(conn.accessToken).toMatch(/^00D\w{12}!/);
    const identity = (await conn.identity()) as { user_id: string; username: string };
    expect(identity).toMatchObject({ user_id: INTEGRATION_USER_ID, username });
  });

  it("rejects a bad password with invalid_grant", async () => {
    const err = await rejection(connect().login(username, "wrong"));
    expect(err.name).toBe("invalid_grant");
    expect(err.message).toBe("authentication failure");
  });

  it("rejects a bad client secret with invalid_client", async () => {
    const err = await rejection(connect({ clientSecret: "nope" }).login(username, password));
    expect(err.name).toBe("invalid_client");
  });

  it("answers an unknown token with 401 INVALID_SESSION_ID", async () => {
    const conn = new jsforce.Connection({
      instanceUrl: server.url,
      accessToken: "00Dbogus!token",
      version: "62.0",
    });
    const err = await rejection(conn.query("SELECT Id FROM Lead LIMIT 1"));
    expect(err.errorCode).toBe("INVALID_SESSION_ID");
  });
});

describe("sObject rows", () => {
  it("creates, retrieves, updates and deletes a lead", async () => {
    const conn = await login();
    const created = await conn
      .sobject("Lead")
      .create({ LastName: "Nakamura", Company: "Kestrel Labs", Email: "kn@kestrel.example" });
    expect(created).toMatchObject({ success: true, errors: [] });
    const id = created.id!;
    expect(id).toMatch(/^00Q\w{15}$/);

    const lead = (await conn.sobject("Lead").retrieve(id)) as Record<string, unknown>;
    expect(lead).toMatchObject({
      Id: id,
      Name: "Nakamura",
      Status: "Open - Not Contacted",
      OwnerId: INTEGRATION_USER_ID,
      IsConverted: false,
    });
    expect(lead.CreatedDate).toBe("2026-11-23T10:00:00.000+0000");

    const updated = await conn
      .sobject("Lead")
      .update({ Id: id, Title: "CTO", Status: "Working - Contacted" });
    expect(updated).toMatchObject({ id, success: true });
    const partial = (await conn
      .sobject("Lead")
      .retrieve(id, { fields: ["Title", "Status"] })) as Record<string, unknown>;
    expect(partial).toEqual({
      attributes: expect.objectContaining({ type: "Lead" }),
      Title: "CTO",
      Status: "Working - Contacted",
    });

    expect(await conn.sobject("Lead").destroy(id)).toMatchObject({ id, success: true });
    const gone = await rejection(conn.sobject("Lead").retrieve(id));
    expect(gone.errorCode).toBe("ENTITY_IS_DELETED");
    const all = await conn.query(`SELECT Id, IsDeleted FROM Lead WHERE Id = '${id}'`, {
      scanAll: true,
    });
    expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
    expect(server.state().writes).toEqual({ create: 1, update: 1, delete: 1 });
  });

  it.each([
    [{ LastName: "X" }, "REQUIRED_FIELD_MISSING", ["Company"]],
    [
      { LastName: "X", Company: "Y", Status: "Maybe" },
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
      ["Status"],
    ],
    [{ LastName: "X", Company: "Y", Shoe_Size__c: 9 }, "INVALID_FIELD", ["Shoe_Size__c"]],
    [
      { LastName: "X", Company: "Y", IsConverted: true },
      "INVALID_FIELD_FOR_INSERT_UPDATE",
      ["IsConverted"],
    ],
    [
      { LastName: "X", Company: "Y", NumberOfEmployees: "lots" },
      "JSON_PARSER_ERROR",
      ["NumberOfEmployees"],
    ],
    [{ LastName: "X", Company: "Y", Email: "not-an-email" }, "INVALID_EMAIL_ADDRESS", ["Email"]],
    [
      { LastName: "X", Company: "Y", OwnerId: MISSING_USER_ID },
      "INVALID_CROSS_REFERENCE_KEY",
      ["OwnerId"],
    ],
  ])("rejects an invalid lead %j with %s", async (record, code, fields) => {
    const conn = await login();
    const err = await rejection(conn.sobject("Lead").create(record));
    expect(err.errorCode).toBe(code);
    expect(err.data?.fields).toEqual(fields);
  });

  it("enforces the Amount >= 0 validation rule and derives stage fields", async () => {
    const conn = await login();
    const base = {
      Name: "Rule test",
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
      AccountId: demoRecordIds().accounts[0],
    };
    const err = await rejection(conn.sobject("Opportunity").create({ ...base, Amount: -5 }));
    expect(err.errorCode).toBe("FIELD_CUSTOM_VALIDATION_EXCEPTION");
    const { id } = await conn.sobject("Opportunity").create({ ...base, Amount: 5 });
    await conn.sobject("Opportunity").update({ Id: id!, StageName: "Closed Won" });
    const opp = (await conn.sobject("Opportunity").retrieve(id!)) as Record<string, unknown>;
    expect(opp).toMatchObject({
      IsClosed: true,
      IsWon: true,
      Probability: 100,
      ForecastCategoryName: "Closed",
    });
    const readOnly = await rejection(conn.sobject("Opportunity").update({ Id: id!, IsWon: false }));
    expect(readOnly.errorCode).toBe("INVALID_FIELD_FOR_INSERT_UPDATE");
  });

  it("answers 404 NOT_FOUND for missing records and unknown types", async () => {
    const conn = await login();
    expect((await rejection(conn.sobject("Lead").retrieve(MISSING_LEAD_ID))).errorCode).toBe(
      "NOT_FOUND",
    );
    expect((await rejection(conn.sobject("Lead").retrieve("not-an-id"))).errorCode).toBe(
      "NOT_FOUND",
    );
    expect(
      (await rejection(conn.sobject("Lead").update({ Id: MISSING_LEAD_ID, Title: "x" }))).errorCode,
    ).toBe("NOT_FOUND");
    expect((await rejection(conn.sobject("Widget__c").retrieve(MISSING_LEAD_ID))).errorCode).toBe(
      "NOT_FOUND",
    );
  });
});

describe("optimistic concurrency with If-Unmodified-Since", () => {
  it("fails with PRECONDITION_FAILED after a human edit, even within the same second", async () => {
    const conn = await login();
    const oppId = demoRecordIds().opportunities[3];
    // The agent's own write puts LastModifiedDate in the current second, so the read below
    // and the human edit after it share one wall-clock second (the test clock stands still).
    await conn.sobject("Opportunity").update({ Id: oppId, NextStep: "Agent step 1" });
    const before = (await conn.sobject("Opportunity").retrieve(oppId)) as {
      LastModifiedDate: string;
      NextStep: string | null;
    };
    expect(before.LastModifiedDate).toBe("2026-11-23T10:00:00.000+0000");
    const header = httpDateOf(before.LastModifiedDate);

    // The clock does not move: the human edit lands in the same wall-clock second as the read.
    const edit = await control("human-edit", {
      object: "Opportunity",
      id: oppId,
      fields: { NextStep: "Human says: call CFO" },
    });
    expect(Date.parse(edit.lastModifiedHttpDate)).toBeGreaterThan(Date.parse(header));

    const err = await rejection(
      conn
        .sobject("Opportunity")
        .update(
          { Id: oppId, NextStep: "Agent overwrite" },
          { headers: { "If-Unmodified-Since": header } },
        ),
    );
    expect(err.errorCode).toBe("PRECONDITION_FAILED");
    const after = (await conn.sobject("Opportunity").retrieve(oppId)) as {
      NextStep: string;
      LastModifiedById: string;
    };
    expect(after).toMatchObject({
      NextStep: "Human says: call CFO",
      LastModifiedById: HUMAN_USER_ID,
    });

    const delErr = await rejection(
      conn.sobject("Opportunity").destroy(oppId, { headers: { "If-Unmodified-Since": header } }),
    );
    expect(delErr.errorCode).toBe("PRECONDITION_FAILED");
  });

  it("lets the write through when nothing changed since the read", async () => {
    const conn = await login();
    const oppId = demoRecordIds().opportunities[4];
    const before = (await conn.sobject("Opportunity").retrieve(oppId)) as {
      LastModifiedDate: string;
    };
    const result = await conn
      .sobject("Opportunity")
      .update(
        { Id: oppId, NextStep: "Agent step" },
        { headers: { "If-Unmodified-Since": httpDateOf(before.LastModifiedDate) } },
      );
    expect(result).toMatchObject({ id: oppId, success: true });
  });
});

describe("sObject collections", () => {
  it("rolls back every record when allOrNone and one fails", async () => {
    const conn = await login();
    const leadsBefore = (await conn.query("SELECT COUNT() FROM Lead")).totalSize;
    const results = await conn
      .sobject("Lead")
      .create([{ LastName: "Good", Company: "Fine Co" }, { LastName: "Bad" }], { allOrNone: true });
    expect(results[0]).toMatchObject({
      success: false,
      errors: [expect.objectContaining({ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK" })],
    });
    expect(results[1]).toMatchObject({
      success: false,
      errors: [
        expect.objectContaining({ statusCode: "REQUIRED_FIELD_MISSING", fields: ["Company"] }),
      ],
    });
    expect((await conn.query("SELECT COUNT() FROM Lead")).totalSize).toBe(leadsBefore);

    const partial = await conn
      .sobject("Lead")
      .create([{ LastName: "Good", Company: "Fine Co" }, { LastName: "Bad" }]);
    expect(partial.map((r) => r.success)).toEqual([true, false]);
    expect((await conn.query("SELECT COUNT() FROM Lead")).totalSize).toBe(leadsBefore + 1);
  });

  it("updates, retrieves and deletes many, and rolls back updates with allOrNone", async () => {
    const conn = await login();
    const [a, b, c] = demoRecordIds().leads;
    const ok = await conn.sobject("Lead").update(
      [
        { Id: a, Title: "T1" },
        { Id: b, Title: "T2" },
      ],
      { allOrNone: true },
    );
    expect(ok.map((r) => r.success)).toEqual([true, true]);
    const rolled = await conn.sobject("Lead").update(
      [
        { Id: a, Title: "T3" },
        { Id: c, Status: "Nope" },
      ],
      { allOrNone: true },
    );
    // jsforce types collection errors as `errorCode`, but the REST body (ours and Salesforce's)
    // says `statusCode`.
    const codes = rolled.map(
      (r) => (r.errors[0] as unknown as { statusCode?: string } | undefined)?.statusCode,
    );
    expect(codes).toEqual([
      "ALL_OR_NONE_OPERATION_ROLLED_BACK",
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ]);
    const fetched = (await conn.sobject("Lead").retrieve([a, b], { fields: ["Title"] })) as Array<{
      Title: string;
    }>;
    expect(fetched.map((r) => r.Title)).toEqual(["T1", "T2"]);
    const deleted = await conn.sobject("Lead").destroy([a, MISSING_LEAD_ID]);
    expect(deleted[0]).toMatchObject({ id: a, success: true });
    expect(deleted[1]).toMatchObject({
      success: false,
      errors: [expect.objectContaining({ statusCode: "INVALID_CROSS_REFERENCE_KEY" })],
    });
  });

  it("refuses more than 200 records", async () => {
    const conn = await login();
    const records = Array.from({ length: 201 }, (_, i) => ({ LastName: `L${i}`, Company: "Bulk" }));
    const err = await rejection(conn.sobject("Lead").create(records));
    expect(err.errorCode).toBe("EXCEEDED_ID_LIMIT");
  });
});

describe("SOQL over REST", () => {
  it("pages with nextRecordsUrl and queryMore at the requested batch size", async () => {
    const conn = await login();
    const total = (await conn.query("SELECT COUNT() FROM OpportunityFieldHistory")).totalSize;
    expect(total).toBeGreaterThan(400);
    const headers = { "Sforce-Query-Options": "batchSize=150" }; // clamped up to Salesforce's minimum, 200
    const first = await conn.query(
      "SELECT Id, Field FROM OpportunityFieldHistory ORDER BY CreatedDate",
      { headers },
    );
    expect(first).toMatchObject({ done: false, totalSize: total });
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/\/query\/01g\w{15}-200$/);
    // jsforce's queryMore types demand every QueryOptions key, but only reads `headers`.
    const moreOptions = { headers } as unknown as Parameters<typeof conn.queryMore>[1];
    const second = await conn.queryMore(first.nextRecordsUrl!, moreOptions);
    expect(second.records).toHaveLength(200);
    const all = await conn.query("SELECT Id FROM OpportunityFieldHistory", {
      autoFetch: true,
      maxFetch: 10_000,
      headers,
    });
    expect(all.records).toHaveLength(total);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(total);
  });

  it.each([
    ["SELEC Id FROM Lead", "MALFORMED_QUERY"],
    ["SELECT Nope FROM Lead", "INVALID_FIELD"],
    ["SELECT Id FROM Nope", "INVALID_TYPE"],
  ])("surfaces %s as %s", async (soql, code) => {
    const conn = await login();
    expect((await rejection(conn.query(soql))).errorCode).toBe(code);
  });

  it("records field history for tracked fields, by writer", async () => {
    const conn = await login();
    const oppId = demoRecordIds().opportunities[0];
    await conn
      .sobject("Opportunity")
      .update({ Id: oppId, StageName: "Qualification", Amount: 12345 });
    await control("human-edit", {
      object: "Opportunity",
      id: oppId,
      fields: { StageName: "Needs Analysis" },
    });
    const history = await conn.query(
      `SELECT Field, OldValue, NewValue, CreatedById FROM OpportunityFieldHistory WHERE OpportunityId = '${oppId}' AND CreatedDate = TODAY ORDER BY CreatedDate, Field`,
    );
    expect(history.records.map((r) => [r.Field, r.OldValue, r.NewValue, r.CreatedById])).toEqual([
      ["Amount", expect.any(Number), 12345, INTEGRATION_USER_ID],
      ["StageName", "Prospecting", "Qualification", INTEGRATION_USER_ID],
      ["StageName", "Qualification", "Needs Analysis", HUMAN_USER_ID],
    ]);
  });
});

describe("describe", () => {
  it("lists picklist values and field access", async () => {
    const conn = await login();
    const d = await conn.sobject("Opportunity").describe();
    const stage = d.fields.find((f) => f.name === "StageName")!;
    expect(stage.picklistValues?.map((p) => p.value)).toContain("Id. Decision Makers");
    expect(stage.picklistValues).toHaveLength(10);
    expect(stage).toMatchObject({
      type: "picklist",
      nillable: false,
      createable: true,
      updateable: true,
    });
    expect(d.fields.find((f) => f.name === "IsWon")).toMatchObject({
      type: "boolean",
      updateable: false,
      createable: false,
    });
    expect(d.fields.find((f) => f.name === "AccountId")).toMatchObject({
      referenceTo: ["Account"],
      relationshipName: "Account",
    });
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(["Lead", "Quote", "Order", "OpportunityFieldHistory"]),
    );
  });
});

describe("limits and sessions", () => {
  it("reports usage in Sforce-Limit-Info and refuses calls past the daily limit", async () => {
    const conn = await login();
    await conn.query("SELECT Id FROM Lead LIMIT 1");
    const used = conn.limitInfo?.apiUsage?.used ?? 0;
    expect(used).toBeGreaterThan(0);
    await control("limits", { dailyLimit: used + 1 });
    await conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(conn.limitInfo?.apiUsage).toEqual({ used: used + 1, limit: used + 1 });
    const err = await rejection(conn.query("SELECT Id FROM Lead LIMIT 1"));
    expect(err.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(err.message).toBe("TotalRequests Limit exceeded.");
  });

  it("re-authenticates transparently when the session expires", async () => {
    const conn = await login();
    const firstToken = conn.accessToken;
    nowMs += 61 * 60 * 1000; // past the one-hour TTL given to this server
    const result = await conn.query("SELECT COUNT() FROM Lead");
    expect(result.totalSize).toBe(200);
    expect(conn.accessToken).not.toBe(firstToken);
    expect(server.state().requests["POST token"]).toBe(2);

    await control("faults", { expireSessions: true });
    await expect(conn.query("SELECT COUNT() FROM Account")).resolves.toMatchObject({
      totalSize: 60,
    });
    expect(server.state().requests["POST token"]).toBe(3);
  });
});

describe("fault injection", () => {
  it("retries an injected 503 on GET but not on POST", async () => {
    const conn = await login();
    await control("faults", { failNext: { count: 1, status: 503 }, match: "/query" });
    await expect(conn.query("SELECT COUNT() FROM Lead")).resolves.toMatchObject({ totalSize: 200 });
    expect(server.state().requests["GET query"]).toBe(2);

    await control("faults", { failNext: { count: 1, status: 503 }, match: "/sobjects/Lead" });
    const err = await rejection(conn.sobject("Lead").create({ LastName: "X", Company: "Y" }));
    expect(err.errorCode).toBe("SERVER_UNAVAILABLE");
  });

  it("simulates rate limiting and hung requests", async () => {
    const conn = await login();
    await control("faults", { rateLimitNext: 1 });
    expect((await rejection(conn.query("SELECT Id FROM Lead LIMIT 1"))).errorCode).toBe(
      "REQUEST_LIMIT_EXCEEDED",
    );
    await expect(conn.query("SELECT Id FROM Lead LIMIT 1")).resolves.toMatchObject({ done: true });

    await control("faults", { timeoutNext: 1 });
    const hung = fetch(`${server.url}/services/data/v62.0/limits`, {
      headers: { Authorization: `Bearer ${conn.accessToken}` },
      signal: AbortSignal.timeout(200),
    });
    await expect(hung).rejects.toThrow();
    await expect(conn.query("SELECT Id FROM Lead LIMIT 1")).resolves.toMatchObject({ done: true });
  });

  it("hides control routes unless enabled", async () => {
    const plain = await createSandboxServer();
    try {
      const res = await fetch(`${plain.url}/__sandbox/state`);
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
