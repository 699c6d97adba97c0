// Turns a create/update body into a stored record the way Salesforce's save order does:
// deserialize (unknown field, type), field-level access, required fields, picklists and
// formats, lookups, derived fields, then validation rules. Each step raises the error code
// a real org answers with, so connector error classification can be tested against it.
import { SalesforceApiError } from "./errors";
import { coerceFieldValue, type FieldValue, type StoredRecord } from "./field-values";
import { keyPrefixOf, normalizeId } from "./ids";
import { getField, getObjectSchema, OPPORTUNITY_STAGES } from "./schema";
import type { FieldSchema, ObjectSchema } from "./schema-builder";

export interface RecordLookup {
  /** The record with this id in any object, deleted ones included. */
  findById(id: string): { object: string; record: StoredRecord } | undefined;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function unknownField(object: ObjectSchema, name: string) {
  return new SalesforceApiError(
    "INVALID_FIELD",
    `No such column '${name}' on sobject of type ${object.name}`,
    {
      fields: [name],
    },
  );
}

/** Parses the body into canonical field names and stored values; `attributes` is ignored. */
function parseInput(
  object: ObjectSchema,
  input: Record<string, unknown>,
  mode: "create" | "update",
): Map<FieldSchema, FieldValue> {
  const parsed = new Map<FieldSchema, FieldValue>();
  const forbidden: string[] = [];
  for (const [key, raw] of Object.entries(input)) {
    if (key === "attributes") continue;
    const f = getField(object, key);
    if (!f) throw unknownField(object, key);
    if (mode === "create" ? !f.createable : !f.updateable) forbidden.push(f.name);
    else parsed.set(f, raw as FieldValue);
  }
  if (forbidden.length > 0) {
    throw new SalesforceApiError(
      "INVALID_FIELD_FOR_INSERT_UPDATE",
      `Unable to create/update fields: ${forbidden.join(", ")}. Please check the security settings of this ` +
        "field and verify that it is read/write for your profile or permission set.",
      { fields: forbidden },
    );
  }
  for (const [f, raw] of parsed) parsed.set(f, coerceFieldValue(f, raw));
  return parsed;
}

function checkFormats(parsed: Map<FieldSchema, FieldValue>) {
  for (const [f, value] of parsed) {
    if (value === null) continue;
    if (f.type === "picklist" && !f.picklistValues.some((p) => p.value === value)) {
      throw new SalesforceApiError(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        `${f.label}: bad value for restricted picklist field: ${String(value)}`,
        { fields: [f.name] },
      );
    }
    if (f.type === "email" && !EMAIL_RE.test(String(value))) {
      throw new SalesforceApiError(
        "INVALID_EMAIL_ADDRESS",
        `${f.label}: invalid email address: ${String(value)}`,
        {
          fields: [f.name],
        },
      );
    }
  }
}

function checkReferences(parsed: Map<FieldSchema, FieldValue>, lookup: RecordLookup) {
  for (const [f, value] of parsed) {
    if (f.type !== "reference" || value === null) continue;
    const id = normalizeId(String(value));
    if (!id) {
      throw new SalesforceApiError(
        "MALFORMED_ID",
        `${f.label}: id value of incorrect type: ${String(value)}`,
        {
          fields: [f.name],
        },
      );
    }
    const targets = f.referenceTo.map((name) => getObjectSchema(name)?.keyPrefix);
    if (!targets.includes(keyPrefixOf(id))) {
      throw new SalesforceApiError(
        "FIELD_INTEGRITY_EXCEPTION",
        `${f.label}: id value of incorrect type: ${id}`,
        {
          fields: [f.name],
        },
      );
    }
    const found = lookup.findById(id);
    if (!found) {
      throw new SalesforceApiError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", {
        fields: [f.name],
      });
    }
    if (found.record.IsDeleted === true) {
      throw new SalesforceApiError("ENTITY_IS_DELETED", "entity is deleted", { fields: [f.name] });
    }
    parsed.set(f, id);
  }
}

function requireFields(fields: FieldSchema[]) {
  if (fields.length === 0) return;
  const names = fields.map((f) => f.name);
  throw new SalesforceApiError(
    "REQUIRED_FIELD_MISSING",
    `Required fields are missing: [${names.join(", ")}]`,
    {
      fields: names,
    },
  );
}

/** Fields Salesforce computes; callers can never write them, the store keeps them true. */
function applyDerived(
  object: ObjectSchema,
  next: StoredRecord,
  prev: StoredRecord | undefined,
  explicit: Set<string>,
  lookup: RecordLookup,
) {
  if (["Lead", "Contact", "User"].includes(object.name)) {
    next.Name = [next.FirstName, next.LastName]
      .filter((v) => v !== null && v !== undefined && v !== "")
      .join(" ");
  }
  if (object.name === "Opportunity" && next.StageName !== prev?.StageName) {
    const stage = OPPORTUNITY_STAGES[String(next.StageName)];
    next.Probability = stage.probability;
    next.IsClosed = stage.isClosed;
    next.IsWon = stage.isWon;
    if (!explicit.has("ForecastCategoryName")) next.ForecastCategoryName = stage.forecastCategory;
  }
  if (object.name === "Quote" && !prev) {
    const opp = lookup.findById(String(next.OpportunityId))?.record;
    next.AccountId = opp?.AccountId ?? null;
    next.TotalPrice = opp?.Amount ?? 0;
    next.GrandTotal = opp?.Amount ?? 0;
  }
  if (object.name === "Order" && !prev) {
    const source = next.QuoteId ?? next.OpportunityId;
    const from = source ? lookup.findById(String(source))?.record : undefined;
    next.TotalAmount = (from?.GrandTotal ?? from?.Amount ?? 0) as number;
  }
}

/** The org's validation rules. Only one ships with the sandbox: amounts cannot go negative. */
function runValidationRules(object: ObjectSchema, next: StoredRecord) {
  if (object.name === "Opportunity" && typeof next.Amount === "number" && next.Amount < 0) {
    throw new SalesforceApiError(
      "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      "Amount must be zero or greater.",
      {
        fields: ["Amount"],
      },
    );
  }
}

export function buildCreatedRecord(
  object: ObjectSchema,
  input: Record<string, unknown>,
  userId: string,
  lookup: RecordLookup,
): StoredRecord {
  if (!object.createable) {
    throw new SalesforceApiError(
      "INVALID_TYPE_FOR_OPERATION",
      `entity type cannot be inserted: ${object.label}`,
    );
  }
  const parsed = parseInput(object, input, "create");
  const next: StoredRecord = {};
  for (const f of object.fields)
    next[f.name] = f.defaultValue ?? (f.type === "boolean" ? false : null);
  if (getField(object, "OwnerId")) next.OwnerId = userId;
  const explicit = new Set<string>();
  for (const [f, value] of parsed) {
    if (value === null && f.defaultValue !== undefined) continue;
    next[f.name] = value;
    explicit.add(f.name);
  }
  requireFields(object.fields.filter((f) => f.createable && !f.nillable && next[f.name] === null));
  checkFormats(parsed);
  checkReferences(parsed, lookup);
  for (const [f, value] of parsed) if (f.type === "reference") next[f.name] = value;
  applyDerived(object, next, undefined, explicit, lookup);
  runValidationRules(object, next);
  return next;
}

export function buildUpdatedRecord(
  object: ObjectSchema,
  prev: StoredRecord,
  input: Record<string, unknown>,
  lookup: RecordLookup,
): StoredRecord {
  if (object.name === "Lead" && prev.IsConverted === true) {
    throw new SalesforceApiError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead");
  }
  const parsed = parseInput(object, input, "update");
  requireFields([...parsed].filter(([f, v]) => v === null && !f.nillable).map(([f]) => f));
  checkFormats(parsed);
  checkReferences(parsed, lookup);
  const next: StoredRecord = { ...prev };
  for (const [f, value] of parsed) next[f.name] = value;
  applyDerived(object, next, prev, new Set([...parsed.keys()].map((f) => f.name)), lookup);
  runValidationRules(object, next);
  return next;
}
