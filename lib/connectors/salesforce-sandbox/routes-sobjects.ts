// sObject Basic Information, Describe and Rows resources:
// /sobjects, /sobjects/{Type}, /sobjects/{Type}/describe, /sobjects/{Type}/{Id}.
import { SalesforceApiError, notFound, unknownColumn } from "./errors";
import { parseDateTime, type StoredRecord } from "./field-values";
import { normalizeId } from "./ids";
import { describeGlobal, describeObject, getField, getObjectSchema } from "./schema";
import type { ObjectSchema } from "./schema-builder";
import { recordUrl, type ResultRecord } from "./soql-paths";
import {
  httpDate,
  jsonObject,
  methodNotAllowed,
  modifiedSince,
  parseHttpDateHeader,
  resourceNotFound,
  type ApiContext,
  type ApiResponse,
} from "./server-http";

export function renderRecord(
  schema: ObjectSchema,
  record: StoredRecord,
  version: string,
  fields?: string[],
): ResultRecord {
  const out: ResultRecord = {
    attributes: { type: schema.name, url: recordUrl(version, schema.name, record.Id) },
  };
  for (const name of fields ?? schema.fields.map((f) => f.name)) out[name] = record[name] ?? null;
  return out;
}

/** Canonical names for a `fields=A,B` parameter, or undefined when absent. */
export function parseFieldList(schema: ObjectSchema, param: string | null): string[] | undefined {
  if (param === null || param.trim() === "") return undefined;
  return param.split(",").map((raw) => {
    const name = raw.trim();
    const f = getField(schema, name);
    if (!f) throw unknownColumn(schema.name, name);
    return f.name;
  });
}

const lastModifiedMs = (record: StoredRecord) =>
  parseDateTime(String(record.LastModifiedDate)) ?? 0;

/** 412 when the record changed (at HTTP-date granularity) after If-Unmodified-Since. */
function checkUnmodifiedSince(ctx: ApiContext, record: StoredRecord) {
  const header = ctx.headers["if-unmodified-since"];
  const since = parseHttpDateHeader("If-Unmodified-Since", header);
  if (since !== undefined && modifiedSince(lastModifiedMs(record), since)) {
    throw new SalesforceApiError(
      "PRECONDITION_FAILED",
      `The requested resource has been modified since ${String(header)}. It was last modified at ${String(record.LastModifiedDate)}.`,
      { status: 412 },
    );
  }
}

function liveRecord(ctx: ApiContext, schema: ObjectSchema, rawId: string): StoredRecord {
  if (!normalizeId(rawId))
    throw notFound(`Provided external ID field does not exist or is not accessible: ${rawId}`);
  return ctx.store.require(schema.name, rawId);
}

async function rowRoute(
  ctx: ApiContext,
  schema: ObjectSchema,
  rawId: string,
): Promise<ApiResponse> {
  switch (ctx.method) {
    case "GET": {
      const record = liveRecord(ctx, schema, rawId);
      const fields = parseFieldList(schema, ctx.url.searchParams.get("fields"));
      const modified = lastModifiedMs(record);
      const since = parseHttpDateHeader("If-Modified-Since", ctx.headers["if-modified-since"]);
      if (since !== undefined && !modifiedSince(modified, since)) return { status: 304 };
      return {
        status: 200,
        body: renderRecord(schema, record, ctx.version, fields),
        headers: { "Last-Modified": httpDate(modified) },
      };
    }
    case "PATCH": {
      const input = jsonObject(await ctx.body());
      const record = liveRecord(ctx, schema, rawId);
      checkUnmodifiedSince(ctx, record);
      const updated = ctx.store.update(schema.name, String(record.Id), input, {
        userId: ctx.userId,
      });
      ctx.recordWrite("update");
      return { status: 204, headers: { "Last-Modified": httpDate(lastModifiedMs(updated)) } };
    }
    case "DELETE": {
      const record = liveRecord(ctx, schema, rawId);
      checkUnmodifiedSince(ctx, record);
      ctx.store.delete(schema.name, String(record.Id), { userId: ctx.userId });
      ctx.recordWrite("delete");
      return { status: 204 };
    }
    default:
      return methodNotAllowed(ctx.method, ["GET", "PATCH", "DELETE"]);
  }
}

async function createRoute(ctx: ApiContext, schema: ObjectSchema): Promise<ApiResponse> {
  const input = jsonObject(await ctx.body());
  const created = ctx.store.create(schema.name, input, { userId: ctx.userId });
  ctx.recordWrite("create");
  return { status: 201, body: { id: created.Id, success: true, errors: [] } };
}

export async function sobjectsRoute(ctx: ApiContext): Promise<ApiResponse> {
  const [, typeName, rest, extra] = ctx.segments;
  if (typeName === undefined) {
    return ctx.method === "GET"
      ? { status: 200, body: describeGlobal(ctx.version) }
      : methodNotAllowed(ctx.method, ["GET"]);
  }
  const schema = getObjectSchema(typeName);
  if (!schema || extra !== undefined) return resourceNotFound();
  if (rest === undefined) {
    if (ctx.method === "POST") return createRoute(ctx, schema);
    if (ctx.method !== "GET") return methodNotAllowed(ctx.method, ["GET", "POST"]);
    const {
      fields: _fields,
      childRelationships: _children,
      ...objectDescribe
    } = describeObject(schema, ctx.version);
    return { status: 200, body: { objectDescribe, recentItems: [] } };
  }
  if (rest === "describe") {
    return ctx.method === "GET"
      ? { status: 200, body: describeObject(schema, ctx.version) }
      : methodNotAllowed(ctx.method, ["GET"]);
  }
  return rowRoute(ctx, schema, rest);
}
