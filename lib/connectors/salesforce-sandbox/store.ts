// In-memory Salesforce org: records by object, soft deletes (queryAll still sees them),
// field history, and an undo journal so composite allOrNone calls can roll back.
import { SalesforceApiError, notFound } from "./errors";
import { formatDateTime, parseDateTime, type FieldValue, type StoredRecord } from "./field-values";
import { makeSalesforceId, normalizeId, RUNTIME_POD } from "./ids";
import { buildCreatedRecord, buildUpdatedRecord, type RecordLookup } from "./record-rules";
import { getObjectSchema, OBJECT_SCHEMAS } from "./schema";
import type { ObjectSchema } from "./schema-builder";
import { BASE_USERS, parseSnapshot, type StoreSnapshot } from "./store-snapshot";

export type Clock = () => Date;

export interface WriteContext {
  /** The user the write is attributed to (CreatedById, LastModifiedById, history). */
  userId: string;
}

export interface WriteOptions {
  /** Back-dated write time, for fixtures. */
  at?: Date;
}

export interface CreateOptions extends WriteOptions {
  /** Fixed id, for deterministic fixtures. */
  id?: string;
}

export interface LeadConversion {
  accountId: string;
  contactId: string;
  opportunityId?: string | null;
}

export interface StoreStats {
  creates: number;
  updates: number;
  deletes: number;
}

export { INTEGRATION_USER_ID, HUMAN_USER_ID } from "./store-snapshot";
export type { StoreSnapshot } from "./store-snapshot";

export class SandboxStore implements RecordLookup {
  readonly clock: Clock;
  private objects = new Map<string, Map<string, StoredRecord>>();
  private objectOfId = new Map<string, string>();
  private sequences: Record<string, number> = {};
  private journal: Array<() => void> | null = null;
  private listeners = new Set<() => void>();
  readonly stats: StoreStats = { creates: 0, updates: 0, deletes: 0 };

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.reset();
  }

  /** Empties the org down to its built-in users. */
  reset(): void {
    this.objects = new Map(OBJECT_SCHEMAS.map((o) => [o.name, new Map()]));
    this.objectOfId.clear();
    this.sequences = {};
    const at = this.clock();
    for (const u of BASE_USERS) {
      const { Id, ...fields } = u;
      this.create("User", fields, { userId: Id }, { id: Id, at });
    }
    Object.assign(this.stats, { creates: 0, updates: 0, deletes: 0 });
    this.notify();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify() {
    if (this.journal) return;
    for (const l of this.listeners) l();
  }

  schemaOf(objectName: string): ObjectSchema {
    const schema = getObjectSchema(objectName);
    if (!schema) {
      throw new SalesforceApiError("NOT_FOUND", "The requested resource does not exist", {
        status: 404,
      });
    }
    return schema;
  }

  findById(id: string): { object: string; record: StoredRecord } | undefined {
    const canonical = normalizeId(id);
    const object = canonical && this.objectOfId.get(canonical);
    if (!canonical || !object) return undefined;
    const record = this.objects.get(object)?.get(canonical);
    return record ? { object, record } : undefined;
  }

  /** Live (frozen) records of one object, deleted ones included; callers filter IsDeleted. */
  records(objectName: string): Iterable<StoredRecord> {
    return this.objects.get(this.schemaOf(objectName).name)?.values() ?? [];
  }

  getById(objectName: string, id: string): StoredRecord | undefined {
    const found = this.findById(id);
    return found && found.object === this.schemaOf(objectName).name ? found.record : undefined;
  }

  /** A live record or the Salesforce error for a missing/deleted one. */
  require(objectName: string, id: string): StoredRecord {
    const record = this.getById(objectName, id);
    if (!record) throw notFound();
    if (record.IsDeleted === true) {
      throw new SalesforceApiError("ENTITY_IS_DELETED", "entity is deleted", { status: 404 });
    }
    return record;
  }

  count(objectName: string, includeDeleted = false): number {
    let n = 0;
    for (const r of this.records(objectName)) if (includeDeleted || r.IsDeleted !== true) n++;
    return n;
  }

  private nextId(prefix: string): string {
    for (;;) {
      const seq = (this.sequences[prefix] ?? 0) + 1;
      this.sequences[prefix] = seq;
      const id = makeSalesforceId(prefix, seq, RUNTIME_POD);
      if (!this.objectOfId.has(id)) return id;
    }
  }

  private nextNumber(name: string): string {
    const seq = (this.sequences[name] ?? 0) + 1;
    this.sequences[name] = seq;
    return String(seq).padStart(8, "0");
  }

  private put(objectName: string, record: StoredRecord) {
    const table = this.objects.get(objectName)!;
    const id = String(record.Id);
    const prev = table.get(id);
    table.set(id, Object.freeze(record));
    this.objectOfId.set(id, objectName);
    this.journal?.push(() => {
      if (prev) table.set(id, prev);
      else {
        table.delete(id);
        this.objectOfId.delete(id);
      }
    });
  }

  private bump(stat: keyof StoreStats) {
    this.stats[stat]++;
    this.journal?.push(() => this.stats[stat]--);
  }

  /**
   * Salesforce's If-Unmodified-Since works on HTTP dates (whole seconds). So that a write
   * is always visible to such a precondition, a record's LastModifiedDate moves to at
   * least the next whole second after its previous value. Without this, two writes in the
   * same second would be indistinguishable and a conflicting human edit could be lost.
   */
  private modificationTime(prev: StoredRecord, at?: Date): number {
    const now = (at ?? this.clock()).getTime();
    const prevMs = parseDateTime(String(prev.LastModifiedDate)) ?? 0;
    return Math.max(now, Math.floor(prevMs / 1000) * 1000 + 1000);
  }

  /** The record an update or delete starts from, refused as Salesforce refuses the type. */
  private writable(objectName: string, id: string, allowed: "updateable" | "deletable") {
    const schema = this.schemaOf(objectName);
    if (!schema[allowed]) {
      const verb = allowed === "updateable" ? "updated" : "deleted";
      throw new SalesforceApiError(
        "INVALID_TYPE_FOR_OPERATION",
        `entity type cannot be ${verb}: ${schema.label}`,
      );
    }
    return { schema, prev: this.require(schema.name, id) };
  }

  create(
    objectName: string,
    input: Record<string, unknown>,
    ctx: WriteContext,
    options: CreateOptions = {},
  ): StoredRecord {
    const schema = this.schemaOf(objectName);
    const record = buildCreatedRecord(schema, input, ctx.userId, this);
    const id = options.id ? normalizeId(options.id) : this.nextId(schema.keyPrefix);
    if (!id || this.objectOfId.has(id))
      throw new Error(`fixture id ${options.id} is invalid or taken`);
    const stamp = formatDateTime(options.at ?? this.clock());
    Object.assign(record, {
      Id: id,
      CreatedDate: stamp,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
      CreatedById: ctx.userId,
      LastModifiedById: ctx.userId,
    });
    if (schema.name === "Quote") record.QuoteNumber = this.nextNumber("QuoteNumber");
    if (schema.name === "Order") record.OrderNumber = this.nextNumber("OrderNumber");
    this.put(schema.name, record);
    if (schema.history) this.writeHistory(schema, id, "created", null, null, ctx.userId, stamp);
    this.bump("creates");
    this.notify();
    return record;
  }

  update(
    objectName: string,
    id: string,
    input: Record<string, unknown>,
    ctx: WriteContext,
    options: WriteOptions = {},
  ): StoredRecord {
    const { schema, prev } = this.writable(objectName, id, "updateable");
    const stamp = formatDateTime(this.modificationTime(prev, options.at));
    const next: StoredRecord = {
      ...buildUpdatedRecord(schema, prev, input, this),
      ...modified(stamp, ctx),
    };
    this.put(schema.name, next);
    for (const fieldName of schema.history?.trackedFields ?? []) {
      if (!sameValue(prev[fieldName], next[fieldName])) {
        this.writeHistory(
          schema,
          String(prev.Id),
          fieldName,
          prev[fieldName],
          next[fieldName],
          ctx.userId,
          stamp,
        );
      }
    }
    this.bump("updates");
    this.notify();
    return next;
  }

  /**
   * Marks a lead converted, as Salesforce's convertLead does after it has created (or
   * matched) the account, contact and opportunity. Those fields are read-only to the API.
   */
  convertLead(
    leadId: string,
    conversion: LeadConversion,
    ctx: WriteContext,
    options: WriteOptions = {},
  ): StoredRecord {
    const prev = this.require("Lead", leadId);
    if (prev.IsConverted === true) {
      throw new SalesforceApiError(
        "CANNOT_UPDATE_CONVERTED_LEAD",
        "cannot reference converted lead",
      );
    }
    this.require("Account", conversion.accountId);
    this.require("Contact", conversion.contactId);
    if (conversion.opportunityId) this.require("Opportunity", conversion.opportunityId);
    const at = this.modificationTime(prev, options.at);
    return this.transaction(() => {
      this.update("Lead", leadId, { Status: "Closed - Converted" }, ctx, { at: new Date(at) });
      const converted = {
        ...this.require("Lead", leadId),
        IsConverted: true,
        ConvertedDate: formatDateTime(at).slice(0, 10),
        ConvertedAccountId: normalizeId(conversion.accountId) ?? null,
        ConvertedContactId: normalizeId(conversion.contactId) ?? null,
        ConvertedOpportunityId: conversion.opportunityId
          ? (normalizeId(conversion.opportunityId) ?? null)
          : null,
      };
      this.put("Lead", converted);
      return converted;
    });
  }

  delete(objectName: string, id: string, ctx: WriteContext): void {
    const { schema, prev } = this.writable(objectName, id, "deletable");
    const stamp = formatDateTime(this.modificationTime(prev));
    this.put(schema.name, { ...prev, IsDeleted: true, ...modified(stamp, ctx) });
    this.bump("deletes");
    this.notify();
  }

  private writeHistory(
    schema: ObjectSchema,
    parentId: string,
    fieldName: string,
    oldValue: FieldValue | undefined,
    newValue: FieldValue | undefined,
    userId: string,
    stamp: string,
  ) {
    const tracking = schema.history!;
    const row: StoredRecord = {
      Id: this.nextId("017"),
      [tracking.parentField]: parentId,
      Field: fieldName,
      OldValue: oldValue ?? null,
      NewValue: newValue ?? null,
      IsDeleted: false,
      CreatedById: userId,
      CreatedDate: stamp,
    };
    this.put(tracking.historyObject, row);
  }

  /** Runs `fn` atomically: if it throws, every write it made is undone. */
  transaction<T>(fn: () => T): T {
    if (this.journal) return fn();
    const undo: Array<() => void> = [];
    this.journal = undo;
    try {
      const result = fn();
      this.journal = null;
      if (undo.length > 0) this.notify();
      return result;
    } catch (err) {
      this.journal = null;
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      throw err;
    }
  }

  toSnapshot(): StoreSnapshot {
    return {
      version: 1,
      savedAt: formatDateTime(this.clock()),
      sequences: { ...this.sequences },
      objects: Object.fromEntries(
        [...this.objects].map(([name, table]) => [name, [...table.values()]]),
      ),
    };
  }

  loadSnapshot(input: unknown): void {
    const snapshot = parseSnapshot(input);
    this.objects = new Map(OBJECT_SCHEMAS.map((o) => [o.name, new Map()]));
    this.objectOfId.clear();
    for (const [name, rows] of Object.entries(snapshot.objects)) {
      const schema = getObjectSchema(name);
      if (!schema) continue;
      for (const row of rows) this.put(schema.name, { ...row });
    }
    this.sequences = { ...snapshot.sequences };
    this.notify();
  }
}

function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return (a ?? null) === (b ?? null);
}

/** The system fields every write moves. */
function modified(stamp: string, ctx: WriteContext) {
  return { LastModifiedDate: stamp, SystemModstamp: stamp, LastModifiedById: ctx.userId };
}
