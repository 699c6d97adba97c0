// sObject Collections: /composite/sobjects (POST create, PATCH update, DELETE) and
// /composite/sobjects/{Type} (GET or POST retrieve). Up to 200 records per call. With
// allOrNone, one failure rolls the whole call back and every other record reports
// ALL_OR_NONE_OPERATION_ROLLED_BACK; without it, each record stands alone.
import { SalesforceApiError } from "./errors";
import { normalizeId } from "./ids";
import { getObjectSchema } from "./schema";
import { parseFieldList, renderRecord } from "./routes-sobjects";
import {
  errorResponse,
  jsonObject,
  methodNotAllowed,
  resourceNotFound,
  type ApiContext,
  type ApiResponse,
  type WriteKind,
} from "./server-http";

const MAX_RECORDS = 200;

interface CollectionError {
  statusCode: string;
  message: string;
  fields: string[];
}

interface SaveResult {
  id?: string;
  success: boolean;
  errors: CollectionError[];
}

const ROLLBACK = Symbol("rollback");

/**
 * DML results use Salesforce's StatusCode values, which have no NOT_FOUND: a missing
 * record in a collection call is an invalid cross-reference, as in the SOAP API.
 */
function toCollectionError(err: unknown): CollectionError {
  if (!(err instanceof SalesforceApiError)) throw err;
  if (err.errorCode === "NOT_FOUND") {
    return {
      statusCode: "INVALID_CROSS_REFERENCE_KEY",
      message: "invalid cross reference id",
      fields: [],
    };
  }
  return { statusCode: err.errorCode, message: err.message, fields: err.fields };
}

function tooMany(): ApiResponse {
  return errorResponse(400, [
    {
      errorCode: "EXCEEDED_ID_LIMIT",
      message: `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`,
    },
  ]);
}

function runCollection<T>(
  ctx: ApiContext,
  items: T[],
  allOrNone: boolean,
  kind: WriteKind,
  idOf: (item: T) => string | undefined,
  apply: (item: T) => string,
): SaveResult[] {
  const results: SaveResult[] = [];
  const attempt = () => {
    let failed = false;
    items.forEach((item, i) => {
      try {
        results[i] = { id: apply(item), success: true, errors: [] };
      } catch (err) {
        failed = true;
        const id = idOf(item);
        results[i] = { ...(id ? { id } : {}), success: false, errors: [toCollectionError(err)] };
      }
    });
    if (failed && allOrNone) throw ROLLBACK;
  };
  try {
    ctx.store.transaction(attempt);
  } catch (err) {
    if (err !== ROLLBACK) throw err;
    return results.map((r, i) => {
      if (!r.success) return r;
      const id = idOf(items[i]);
      const rolledBack: CollectionError = {
        statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        message:
          "Record rolled back because not all records were valid and the request was using AllOrNone header",
        fields: [],
      };
      return { ...(id ? { id } : {}), success: false, errors: [rolledBack] };
    });
  }
  ctx.recordWrite(kind, results.filter((r) => r.success).length);
  return results;
}

function typeOf(record: Record<string, unknown>): string {
  const attributes = record.attributes as { type?: unknown } | undefined;
  const type = typeof attributes?.type === "string" ? attributes.type : undefined;
  if (!type) throw new SalesforceApiError("INVALID_TYPE", "Must send a concrete entity type.");
  if (!getObjectSchema(type))
    throw new SalesforceApiError("INVALID_TYPE", `sObject type '${type}' is not supported.`);
  return type;
}

async function writeBody(
  ctx: ApiContext,
): Promise<{ allOrNone: boolean; records: Record<string, unknown>[] } | ApiResponse> {
  const body = jsonObject(await ctx.body());
  if (!Array.isArray(body.records)) {
    throw new SalesforceApiError(
      "JSON_PARSER_ERROR",
      "The request body must contain a records array",
    );
  }
  if (body.records.length > MAX_RECORDS) return tooMany();
  return {
    allOrNone: body.allOrNone === true,
    records: body.records.map((r) => jsonObject(r, "record")),
  };
}

function idFields(record: Record<string, unknown>): string | undefined {
  const raw = record.id ?? record.Id;
  return typeof raw === "string" ? raw : undefined;
}

async function retrieve(ctx: ApiContext, typeName: string): Promise<ApiResponse> {
  const schema = getObjectSchema(typeName);
  if (!schema) return resourceNotFound();
  let ids: string[];
  let fieldParam: string | null;
  if (ctx.method === "POST") {
    const body = jsonObject(await ctx.body());
    ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
    fieldParam = Array.isArray(body.fields) ? body.fields.map(String).join(",") : null;
  } else {
    ids = (ctx.url.searchParams.get("ids") ?? "").split(",").filter(Boolean);
    fieldParam = ctx.url.searchParams.get("fields");
  }
  if (ids.length > (ctx.method === "POST" ? 2000 : MAX_RECORDS)) return tooMany();
  const fields = parseFieldList(schema, fieldParam);
  const records = ids.map((raw) => {
    const id = normalizeId(raw);
    const record = id ? ctx.store.getById(schema.name, id) : undefined;
    return record && record.IsDeleted !== true
      ? renderRecord(schema, record, ctx.version, fields)
      : null;
  });
  return { status: 200, body: records };
}

export async function compositeRoute(ctx: ApiContext): Promise<ApiResponse> {
  const [, resource, typeName, extra] = ctx.segments;
  if (resource !== "sobjects" || extra !== undefined) return resourceNotFound();
  if (typeName !== undefined) {
    return ctx.method === "GET" || ctx.method === "POST"
      ? retrieve(ctx, typeName)
      : methodNotAllowed(ctx.method, ["GET", "POST"]);
  }
  const user = { userId: ctx.userId };
  switch (ctx.method) {
    case "POST": {
      const parsed = await writeBody(ctx);
      if (!("records" in parsed)) return parsed;
      const results = runCollection(
        ctx,
        parsed.records,
        parsed.allOrNone,
        "create",
        () => undefined,
        (record) => {
          const { attributes: _attributes, ...fields } = record;
          return String(ctx.store.create(typeOf(record), fields, user).Id);
        },
      );
      return { status: 200, body: results };
    }
    case "PATCH": {
      const parsed = await writeBody(ctx);
      if (!("records" in parsed)) return parsed;
      const seen = new Set<string>();
      const results = runCollection(
        ctx,
        parsed.records,
        parsed.allOrNone,
        "update",
        idFields,
        (record) => {
          const { attributes: _attributes, id: _id, Id: _Id, ...fields } = record;
          const id = idFields(record);
          if (!id)
            throw new SalesforceApiError("MISSING_ARGUMENT", "Id not specified in an update call");
          const canonical = normalizeId(id);
          if (!canonical) throw new SalesforceApiError("MALFORMED_ID", `malformed id ${id}`);
          if (seen.has(canonical))
            throw new SalesforceApiError("DUPLICATE_VALUE", `Duplicate id in list: ${id}`);
          seen.add(canonical);
          return String(ctx.store.update(typeOf(record), canonical, fields, user).Id);
        },
      );
      return { status: 200, body: results };
    }
    case "DELETE": {
      const ids = (ctx.url.searchParams.get("ids") ?? "").split(",").filter(Boolean);
      if (ids.length > MAX_RECORDS) return tooMany();
      const allOrNone = ctx.url.searchParams.get("allOrNone") === "true";
      const results = runCollection(
        ctx,
        ids,
        allOrNone,
        "delete",
        (id) => id,
        (id) => {
          const canonical = normalizeId(id);
          const found = canonical && ctx.store.findById(canonical);
          if (!canonical) throw new SalesforceApiError("MALFORMED_ID", `malformed id ${id}`);
          if (!found) throw new SalesforceApiError("NOT_FOUND", "invalid cross reference id");
          ctx.store.delete(found.object, canonical, user);
          return canonical;
        },
      );
      return { status: 200, body: results };
    }
    default:
      return methodNotAllowed(ctx.method, ["POST", "PATCH", "DELETE"]);
  }
}
