import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_COUNTS, demoRecordIds, seedDemoData } from "./demo-data";
import { SalesforceApiError } from "./errors";
import { checksumId, makeSalesforceId, normalizeId } from "./ids";
import { HUMAN_USER_ID, INTEGRATION_USER_ID, SandboxStore } from "./store";
import { readSnapshotFile, writeSnapshotFile } from "./store-snapshot";

const NOW = new Date("2026-11-23T10:00:00.000Z");
const ctx = { userId: INTEGRATION_USER_ID };

function thrown(fn: () => unknown): SalesforceApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SalesforceApiError) return err;
    throw err;
  }
  throw new Error("expected a SalesforceApiError");
}

describe("ids", () => {
  it.each([
    // Known Salesforce ids and their case-safe suffixes (the last worked by hand: A,B at 3,4 → 24 → Y).
    ["001A0000006Vm9r", "001A0000006Vm9rIAC"],
    ["003D000000QOS4l", "003D000000QOS4lIAH"],
    ["0050000000000AB", "0050000000000ABAAY"],
  ])("computes the 18-char form of %s", (id15, id18) => {
    expect(checksumId(id15)).toBe(id18);
    expect(normalizeId(id15)).toBe(id18);
    expect(normalizeId(id18.toLowerCase().slice(0, 15) + id18.slice(15))).not.toBe(id18);
  });

  it("rejects malformed ids and wrong suffixes", () => {
    expect(normalizeId("xyz")).toBeUndefined();
    expect(normalizeId("001A0000006Vm9rAAA")).toBeUndefined();
    expect(makeSalesforceId("006", 61)).toMatch(/^0065g00000000\w{2}\w{3}$/);
  });
});

describe("SandboxStore", () => {
  it("keeps LastModifiedDate moving into a new second on every write", () => {
    const store = new SandboxStore({ clock: () => NOW });
    const lead = store.create("Lead", { LastName: "A", Company: "B" }, ctx);
    const first = store.update("Lead", String(lead.Id), { Title: "x" }, ctx);
    const second = store.update("Lead", String(lead.Id), { Title: "y" }, { userId: HUMAN_USER_ID });
    expect([lead.LastModifiedDate, first.LastModifiedDate, second.LastModifiedDate]).toEqual([
      "2026-11-23T10:00:00.000+0000",
      "2026-11-23T10:00:01.000+0000",
      "2026-11-23T10:00:02.000+0000",
    ]);
    expect(second.LastModifiedById).toBe(HUMAN_USER_ID);
    expect(second.CreatedDate).toBe("2026-11-23T10:00:00.000+0000");
  });

  it("writes history rows only for tracked fields that changed", () => {
    const store = new SandboxStore({ clock: () => NOW });
    const lead = store.create("Lead", { LastName: "A", Company: "B", Title: "CEO" }, ctx);
    store.update("Lead", String(lead.Id), { Title: "CEO", Phone: "123", Company: "C" }, ctx);
    const rows = [...store.records("LeadHistory")].map((r) => [r.Field, r.OldValue, r.NewValue]);
    expect(rows).toEqual([
      ["created", null, null],
      ["Company", "B", "C"],
    ]);
  });

  it("undoes every write of a failed transaction", () => {
    const store = new SandboxStore({ clock: () => NOW });
    const before = store.count("Lead");
    expect(() =>
      store.transaction(() => {
        store.create("Lead", { LastName: "A", Company: "B" }, ctx);
        store.create("Lead", { LastName: "C" }, ctx);
      }),
    ).toThrow(SalesforceApiError);
    expect(store.count("Lead")).toBe(before);
    expect(store.count("LeadHistory")).toBe(0);
    expect(store.stats.creates).toBe(0);
  });

  it.each([
    [
      "Opportunity",
      { Name: "x", StageName: "Prospecting", CloseDate: "2026-13-40" },
      "JSON_PARSER_ERROR",
    ],
    [
      "Opportunity",
      {
        Name: "x",
        StageName: "Prospecting",
        CloseDate: "2026-12-01",
        AccountId: "003000000000000AAA",
      },
      "FIELD_INTEGRITY_EXCEPTION",
    ],
    [
      "Opportunity",
      { Name: "x", StageName: "Prospecting", CloseDate: "2026-12-01", AccountId: "garbage" },
      "MALFORMED_ID",
    ],
    [
      "Opportunity",
      { Name: "x".repeat(121), StageName: "Prospecting", CloseDate: "2026-12-01" },
      "STRING_TOO_LONG",
    ],
    [
      "Order",
      { AccountId: null, Status: "Draft", EffectiveDate: "2026-12-01" },
      "REQUIRED_FIELD_MISSING",
    ],
    ["OpportunityFieldHistory", { Field: "x" }, "INVALID_TYPE_FOR_OPERATION"],
  ])("rejects %s %j with %s", (object, fields, code) => {
    const store = new SandboxStore({ clock: () => NOW });
    expect(thrown(() => store.create(object, fields, ctx)).errorCode).toBe(code);
  });

  it("refuses writes to deleted records and converted leads", () => {
    const store = new SandboxStore({ clock: () => NOW });
    const id = String(store.create("Account", { Name: "Gone" }, ctx).Id);
    store.delete("Account", id, ctx);
    expect(thrown(() => store.update("Account", id, { Name: "Back" }, ctx)).errorCode).toBe(
      "ENTITY_IS_DELETED",
    );
    expect(
      thrown(() => store.create("Contact", { LastName: "X", AccountId: id }, ctx)).errorCode,
    ).toBe("ENTITY_IS_DELETED");

    const account = String(store.create("Account", { Name: "Kept" }, ctx).Id);
    const contact = String(store.create("Contact", { LastName: "C", AccountId: account }, ctx).Id);
    const lead = String(store.create("Lead", { LastName: "L", Company: "Kept" }, ctx).Id);
    const converted = store.convertLead(lead, { accountId: account, contactId: contact }, ctx);
    expect(converted).toMatchObject({
      IsConverted: true,
      Status: "Closed - Converted",
      ConvertedAccountId: account,
    });
    expect(thrown(() => store.update("Lead", lead, { Title: "x" }, ctx)).errorCode).toBe(
      "CANNOT_UPDATE_CONVERTED_LEAD",
    );
  });

  it("survives a snapshot written atomically to disk", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sf-sandbox-"));
    try {
      const store = new SandboxStore({ clock: () => NOW });
      const lead = store.create("Lead", { LastName: "Persisted", Company: "Disk" }, ctx);
      store.delete("Lead", String(lead.Id), ctx);
      const file = path.join(dir, "nested", "state.json");
      await writeSnapshotFile(file, store.toSnapshot());
      expect(await readdir(path.dirname(file))).toEqual(["state.json"]);

      const restored = new SandboxStore({ clock: () => NOW });
      restored.loadSnapshot(await readSnapshotFile(file));
      expect(restored.getById("Lead", String(lead.Id))).toMatchObject({
        LastName: "Persisted",
        IsDeleted: true,
      });
      const next = restored.create("Lead", { LastName: "New", Company: "Disk" }, ctx);
      expect(next.Id).not.toBe(lead.Id);
      expect(await readSnapshotFile(path.join(dir, "missing.json"))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("demo data", () => {
  it("seeds the advertised volumes with the published ids, deterministically", () => {
    const a = new SandboxStore({ clock: () => NOW });
    const b = new SandboxStore({ clock: () => NOW });
    seedDemoData(a, { now: NOW });
    seedDemoData(b, { now: NOW });
    const ids = demoRecordIds();
    expect([...a.records("Lead")].map((r) => r.Id)).toEqual(ids.leads);
    expect([...a.records("Opportunity")].map((r) => r.Id)).toEqual(ids.opportunities);
    expect(a.count("Account")).toBe(DEMO_COUNTS.accounts);
    expect(a.count("Quote")).toBe(DEMO_COUNTS.quotes);
    expect(a.count("Order")).toBe(DEMO_COUNTS.orders);
    expect(JSON.stringify(a.toSnapshot().objects)).toBe(JSON.stringify(b.toSnapshot().objects));
    const stages = new Set([...a.records("Opportunity")].map((r) => r.StageName));
    expect(stages.size).toBe(10);
    expect([...a.records("Opportunity")].every((r) => typeof r.AccountId === "string")).toBe(true);
  });
});
