import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createSandboxServer,
  DEFAULT_SANDBOX_CREDENTIALS,
  demoRecordIds,
  type SandboxServer,
} from "@/lib/connectors/salesforce-sandbox";
import {
  ConnectorError,
  SalesforceConnector,
  type TConnectorCall,
} from "@/lib/connectors/salesforce";

/** The connector is real jsforce over HTTP; the org is the sandbox with the demo data. */
describe("Salesforce connector against the sandbox", () => {
  let sandbox: SandboxServer;
  let sf: SalesforceConnector;
  const usage: { used: number; limit: number }[] = [];
  const ids = demoRecordIds();

  const config = () => ({
    loginUrl: sandbox.url,
    apiVersion: "62.0",
    clientId: DEFAULT_SANDBOX_CREDENTIALS.clientId,
    clientSecret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
    username: DEFAULT_SANDBOX_CREDENTIALS.username,
    password: DEFAULT_SANDBOX_CREDENTIALS.password,
    timeoutMs: 2_000,
  });
  const fault = (body: object) =>
    fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => {
      if (!r.ok) throw new Error(`fault route ${r.status}`);
    });
  const humanEdit = (object: string, id: string, fields: object) =>
    fetch(`${sandbox.url}/__sandbox/human-edit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ object, id, fields }),
    }).then((r) => r.json());
  const expectClass = async (p: Promise<unknown>, errorClass: string) => {
    const err = await p.then(
      () => null,
      (e) => e,
    );
    expect(err, `expected ${errorClass}`).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).errorClass).toBe(errorClass);
    return err as ConnectorError;
  };

  beforeAll(async () => {
    sandbox = await createSandboxServer({ seed: "demo", control: true });
    sf = new SalesforceConnector(config(), { onUsage: (u) => usage.push(u) });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => fault({ clear: true }));

  it("logs in with the OAuth2 password grant; bad credentials are refused", async () => {
    const info = await sf.login();
    expect(info.instanceUrl).toBe(sandbox.url);
    const bad = new SalesforceConnector({ ...config(), password: "wrong" });
    const e = await expectClass(bad.read("Opportunity", ids.opportunities[0]), "session_expired");
    expect(e.message).toMatch(/refused the login/);
  });

  it("reads a record with its LastModifiedDate, and records API usage", async () => {
    const { record, lastModified } = await sf.read("Opportunity", ids.opportunities[0], [
      "StageName",
      "Amount",
    ]);
    expect(record.Id).toBe(ids.opportunities[0]);
    expect(typeof record.StageName).toBe("string");
    expect(record).not.toHaveProperty("attributes");
    expect(lastModified.getTime()).not.toBeNaN();
    expect(usage.at(-1)!.limit).toBeGreaterThan(0);
    expect(usage.at(-1)!.used).toBeGreaterThan(0);
  });

  it("describes an object with picklists", async () => {
    const d = await sf.describe("Opportunity");
    const stage = d.fields.find((f) => f.name === "StageName")!;
    expect(stage.picklistValues.map((p) => p.value)).toContain("Negotiation/Review");
    expect(d.fields.find((f) => f.name === "IsWon")?.updateable).toBe(false);
  });

  it("creates, updates and deletes; a missing record is not_found", async () => {
    const { id } = await sf.create("Lead", {
      LastName: "Okafor",
      Company: "Acme Robotics",
      Status: "Open - Not Contacted",
    });
    expect(id).toMatch(/^00Q/);
    const { lastModified } = await sf.read("Lead", id);
    await sf.update("Lead", id, { Title: "CRO" }, { ifUnmodifiedSince: lastModified });
    expect((await sf.read("Lead", id, ["Title"])).record.Title).toBe("CRO");
    await sf.delete("Lead", id);
    await expectClass(sf.read("Lead", id), "not_found");
  });

  it("classifies a bad write as validation, with the fields", async () => {
    const e = await expectClass(sf.create("Lead", { Company: "No Last Name Inc" }), "validation");
    expect(e.code).toBe("REQUIRED_FIELD_MISSING");
    const amount = await expectClass(
      sf.update("Opportunity", ids.opportunities[1], { Amount: -5 }),
      "validation",
    );
    expect(amount.code).toBe("FIELD_CUSTOM_VALIDATION_EXCEPTION");
  });

  it("refuses an update as a conflict when a human changed the record after the read; nothing is written", async () => {
    const id = ids.opportunities[2];
    const { lastModified } = await sf.read("Opportunity", id, ["NextStep"]);
    await humanEdit("Opportunity", id, { NextStep: "Human: call the CFO" });
    const e = await expectClass(
      sf.update(
        "Opportunity",
        id,
        { NextStep: "Agent: send proposal" },
        { ifUnmodifiedSince: lastModified },
      ),
      "conflict",
    );
    expect(e.code).toBe("PRECONDITION_FAILED");
    expect((await sf.read("Opportunity", id, ["NextStep"])).record.NextStep).toBe(
      "Human: call the CFO",
    );
  });

  it("writes nothing from an allOrNone batch with one bad record", async () => {
    const [a, b] = [ids.opportunities[3], ids.opportunities[4]];
    const before = await sf.query<{ Id: string; NextStep: string | null }>(
      `SELECT Id, NextStep FROM Opportunity WHERE Id IN ('${a}','${b}')`,
    );
    const results = await sf.updateBatch("Opportunity", [
      { id: a, NextStep: "batch step" },
      { id: b, Amount: -1 },
    ]);
    expect(results.map((r) => r.success)).toEqual([false, false]);
    expect(results[1].errors[0].statusCode).toBe("FIELD_CUSTOM_VALIDATION_EXCEPTION");
    const after = await sf.query(
      `SELECT Id, NextStep FROM Opportunity WHERE Id IN ('${a}','${b}')`,
    );
    expect(after.records).toEqual(before.records);
    // and a good batch writes all
    const ok = await sf.updateBatch("Opportunity", [
      { id: a, NextStep: "batch ok" },
      { id: b, NextStep: "batch ok" },
    ]);
    expect(ok.every((r) => r.success)).toBe(true);
    await expectClass(
      sf.updateBatch(
        "Opportunity",
        Array.from({ length: 201 }, () => ({ id: a })),
      ),
      "validation",
    );
  });

  it("pages through a query", async () => {
    for (let i = 0; i < 15; i++) {
      await sf.create("Lead", {
        LastName: `Paging ${i}`,
        Company: "Paging Co",
        Status: "Open - Not Contacted",
      });
    }
    const log: TConnectorCall[] = [];
    const all = await sf.query("SELECT Id, Name FROM Lead ORDER BY Name", { batchSize: 200, log });
    expect(all.records.length).toBe(all.totalSize);
    expect(all.totalSize).toBeGreaterThan(200);
    expect(log.filter((c) => c.op === "query_more").length).toBeGreaterThanOrEqual(1);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(all.records.length);
    await expectClass(sf.query("SELEC Id FROM Lead"), "validation");
  });

  it("re-authenticates once when the session expires, then succeeds", async () => {
    await sf.read("Lead", ids.leads[0]);
    sandbox.expireSessions();
    const log: TConnectorCall[] = [];
    const { record } = await sf.read("Lead", ids.leads[0], ["Status"], { log });
    expect(record.Id).toBe(ids.leads[0]);
    expect(log.map((c) => `${c.op}:${c.ok}`)).toEqual(["read:false", "login:true", "read:true"]);
  });

  it("fails with session_expired when the session is refused again after re-authenticating", async () => {
    await fault({
      failNext: { count: 5, status: 401, errorCode: "INVALID_SESSION_ID" },
      match: "/sobjects/",
    });
    const log: TConnectorCall[] = [];
    await expectClass(sf.read("Lead", ids.leads[0], [], { log }), "session_expired");
    expect(log.filter((c) => c.op === "read")).toHaveLength(2);
  });

  it("classifies permission, unavailable and timeout errors", async () => {
    await fault({
      failNext: { count: 1, status: 403, errorCode: "INSUFFICIENT_ACCESS_OR_READONLY" },
    });
    await expectClass(sf.update("Lead", ids.leads[1], { Title: "x" }), "permission");
    await fault({ failNext: { count: 1, status: 503 } });
    await expectClass(sf.read("Lead", ids.leads[1]), "unavailable");
    await fault({ timeoutNext: 1 });
    await expectClass(sf.read("Lead", ids.leads[1]), "timeout");
  });

  it("reports rate_limited once, without a retry storm", async () => {
    await fault({ rateLimitNext: 1 });
    const before = sandbox.state().totalRequests;
    await expectClass(sf.read("Lead", ids.leads[2]), "rate_limited");
    expect(sandbox.state().totalRequests - before).toBe(1);
  });
});
