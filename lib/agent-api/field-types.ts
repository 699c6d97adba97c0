import { AppError } from "@/lib/core/errors";
import { ttlCache } from "@/lib/core/ttl-cache";
import { ConnectorError, type SalesforceConnector } from "@/lib/connectors/salesforce";
import { cachedConnectorFor } from "@/lib/environments";

type TField = {
  name: string;
  type: string;
  updateable: boolean;
  createable: boolean;
  nillable: boolean;
  picklistValues: { value: string; active: boolean }[];
};

/**
 * Object metadata changes rarely: one describe per object every 10 minutes, per connector — so
 * an environment pointed at another org (a new connector, cachedConnectorFor) never answers with
 * the old org's fields. A field added in Salesforce is known here within DESCRIBE_TTL_MS.
 */
export const DESCRIBE_TTL_MS = 10 * 60_000;
type TDescribeCache = ReturnType<typeof ttlCache<string, Map<string, TField>>>;
const describes = new WeakMap<SalesforceConnector, TDescribeCache>();

function describeFields(sf: SalesforceConnector, object: string) {
  let cache = describes.get(sf);
  if (!cache) {
    cache = ttlCache(DESCRIBE_TTL_MS, async (o: string) => {
      const d = await sf.describe(o);
      return new Map<string, TField>(d.fields.map((f) => [f.name, f as TField]));
    });
    describes.set(sf, cache);
  }
  return cache.get(object);
}

const STRINGS = new Set([
  "string",
  "picklist",
  "multipicklist",
  "textarea",
  "email",
  "phone",
  "url",
  "id",
  "reference",
  "combobox",
  "encryptedstring",
]);
const NUMBERS = new Set(["double", "currency", "percent", "int", "long"]);

function typeProblem(f: TField, v: unknown): string | null {
  if (v === null) return f.nillable ? null : "may not be empty";
  if (STRINGS.has(f.type)) {
    if (typeof v !== "string") return `must be text (${f.type})`;
    if (f.type === "picklist") {
      const allowed = f.picklistValues.filter((p) => p.active).map((p) => p.value);
      if (allowed.length && !allowed.includes(v))
        return `"${v}" is not one of: ${allowed.join(", ")}`;
    }
    return null;
  }
  if (NUMBERS.has(f.type)) return typeof v === "number" ? null : `must be a number (${f.type})`;
  if (f.type === "boolean") return typeof v === "boolean" ? null : "must be true or false";
  if (f.type === "date")
    return typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))
      ? null
      : "must be a date (YYYY-MM-DD)";
  if (f.type === "datetime")
    return typeof v === "string" && !Number.isNaN(Date.parse(v))
      ? null
      : "must be an ISO 8601 date-time";
  return null;
}

/**
 * Wrong field names, read-only fields and wrong value types are the agent's mistake (400
 * invalid_body, naming each field), found before anything is recorded — not a write that
 * fails later in Salesforce.
 */
export async function checkFieldTypes(
  envSlug: string,
  object: string,
  operation: string,
  changes: Record<string, unknown>,
) {
  let fields: Map<string, TField>;
  try {
    fields = await describeFields(await cachedConnectorFor(envSlug), object);
  } catch (e) {
    if (e instanceof ConnectorError && e.errorClass === "not_found") {
      throw new AppError("invalid_body", `Salesforce has no object "${object}"`, {
        errors: [{ path: "target.object", message: "unknown object" }],
      });
    }
    if (e instanceof ConnectorError) {
      throw new AppError(
        "system_unavailable",
        `Salesforce could not be read (${e.errorClass}). Nothing was recorded; retry with the same idempotency key.`,
        { headers: { "retry-after": "5" } },
      );
    }
    throw e;
  }
  const errors: { path: string; message: string }[] = [];
  for (const [name, value] of Object.entries(changes)) {
    const f = fields.get(name);
    if (!f) errors.push({ path: `changes.${name}`, message: `${object} has no field ${name}` });
    else if (operation === "create" ? !f.createable : operation === "update" && !f.updateable)
      errors.push({ path: `changes.${name}`, message: `${object}.${name} is read-only` });
    else {
      const problem = typeProblem(f, value);
      if (problem) errors.push({ path: `changes.${name}`, message: `${name} ${problem}` });
    }
  }
  if (errors.length)
    throw new AppError(
      "invalid_body",
      `The changes do not fit ${object}: ${errors.map((e) => e.message).join("; ")}`,
      { errors },
    );
}

/** The field names Salesforce describes for `object` in an environment (the same 10 min cache). */
export async function describedFieldNames(envSlug: string, object: string) {
  return new Set((await describeFields(await cachedConnectorFor(envSlug), object)).keys());
}
