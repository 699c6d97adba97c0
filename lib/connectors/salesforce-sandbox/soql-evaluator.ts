// Evaluates SOQL against in-memory records with Salesforce's result shape and error codes.
// Parsing is @jetstreamapp/soql-parser-js; everything after the parse tree is ours.
import {
  parseQuery,
  type FieldType as SelectItem,
  type OrderByClause,
  type Query,
} from "@jetstreamapp/soql-parser-js";
import { SoqlError, unknownObject } from "./errors";
import { comparable, type StoredRecord } from "./field-values";
import { getObjectSchema } from "./schema";
import type { ObjectSchema } from "./schema-builder";
import { isAggregateItem, runAggregate } from "./soql-aggregate";
import {
  projectPath,
  readPath,
  recordUrl,
  resolvePath,
  type QueryScope,
  type ResolvedPath,
  type ResultRecord,
  type SoqlRecordSource,
} from "./soql-paths";
import { compileWhere, type WhereContext } from "./soql-where";

export type { ResultRecord, SoqlRecordSource } from "./soql-paths";

export interface SoqlOptions {
  /** Reference time for TODAY, LAST_N_DAYS:n and friends. */
  now?: Date;
  /** Goes into `attributes.url`; defaults to 62.0. */
  apiVersion?: string;
  /** queryAll semantics: include soft-deleted records. */
  includeDeleted?: boolean;
}

export interface SoqlResult {
  totalSize: number;
  done: boolean;
  records: ResultRecord[];
}

const MAX_OFFSET = 2000;
const malformed = (message: string) => new SoqlError("MALFORMED_QUERY", message);

function parseSoql(soql: string): Query {
  if (typeof soql !== "string" || soql.trim() === "") throw malformed("unexpected token: <EOF>");
  try {
    return parseQuery(soql);
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw malformed(message);
  }
}

/** Wraps plain arrays of records (by object name) as a record source, for tests and tools. */
export function createRecordSource(
  recordsByObject: Record<string, StoredRecord[]>,
): SoqlRecordSource {
  const byName = new Map<string, StoredRecord[]>();
  for (const [name, rows] of Object.entries(recordsByObject)) {
    const schema = getObjectSchema(name);
    if (schema) byName.set(schema.name, rows);
  }
  const byId = new Map<string, StoredRecord>();
  for (const rows of byName.values()) for (const r of rows) byId.set(String(r.Id), r);
  return {
    records: (objectName) => byName.get(getObjectSchema(objectName)?.name ?? objectName) ?? [],
    getById: (_objectName, id) => byId.get(id),
  };
}

export function evaluateSoql(
  soql: string,
  source: SoqlRecordSource,
  options: SoqlOptions = {},
): SoqlResult {
  return runQuery(parseSoql(soql), source, {
    now: options.now ?? new Date(),
    apiVersion: options.apiVersion ?? "62.0",
    includeDeleted: options.includeDeleted ?? false,
  });
}

interface RunOptions {
  now: Date;
  apiVersion: string;
  includeDeleted: boolean;
}

function rootOf(query: Query): ObjectSchema {
  if (!query.sObject) throw malformed("unexpected token: missing FROM object");
  const root = getObjectSchema(query.sObject);
  if (!root) throw unknownObject(query.sObject);
  return root;
}

function filteredRows(
  query: Query,
  scope: QueryScope,
  source: SoqlRecordSource,
  opts: RunOptions,
): StoredRecord[] {
  const ctx: WhereContext = {
    scope,
    source,
    now: opts.now,
    subquery: (sub) => semiJoinValues(sub, source, opts),
  };
  const predicate = compileWhere(query.where, ctx);
  const rows: StoredRecord[] = [];
  for (const r of source.records(scope.root.name)) {
    if ((opts.includeDeleted || r.IsDeleted !== true) && predicate(r)) rows.push(r);
  }
  return rows;
}

function semiJoinValues(query: Query, source: SoqlRecordSource, opts: RunOptions): Set<string> {
  const scope = { root: rootOf(query), alias: query.sObjectAlias };
  const item = query.fields?.length === 1 ? query.fields[0] : undefined;
  if (!item || item.type !== "Field")
    throw malformed("A semi join sub-select can select only one field");
  const path = resolvePath(scope, item.field);
  if (path.field.type !== "id" && path.field.type !== "reference") {
    throw new SoqlError(
      "INVALID_FIELD",
      "Semi join sub-selects can only select Id or reference fields",
    );
  }
  const values = new Set<string>();
  for (const r of filteredRows(query, scope, source, { ...opts, includeDeleted: false })) {
    const v = readPath(source, r, path);
    if (v !== null) values.add(String(v).toLowerCase());
  }
  return values;
}

function selectPaths(
  items: SelectItem[],
  scope: QueryScope,
  limit: number | undefined,
): ResolvedPath[] {
  const paths: ResolvedPath[] = [];
  for (const item of items) {
    if (item.type === "Field") paths.push(resolvePath(scope, item.field));
    else if (item.type === "FieldRelationship")
      paths.push(resolvePath(scope, [...item.relationships, item.field].join(".")));
    else if (
      item.type === "FieldFunctionExpression" &&
      item.functionName.toUpperCase() === "FIELDS"
    ) {
      const kind = String(item.parameters[0] ?? "").toUpperCase();
      if (kind === "ALL" && (limit === undefined || limit > 200)) {
        throw malformed("The SOQL FIELDS function must have a LIMIT of at most 200");
      }
      if (kind === "ALL" || kind === "STANDARD")
        paths.push(...scope.root.fields.map((f) => resolvePath(scope, f.name)));
      else if (kind !== "CUSTOM") throw malformed(`unexpected token: FIELDS(${kind})`);
    } else if (item.type === "FieldSubquery") {
      throw malformed("Parent-to-child sub-queries are not supported by the Tollgate sandbox");
    } else {
      throw malformed(
        "Only fields, relationship fields and aggregate functions are supported by the Tollgate sandbox",
      );
    }
  }
  const seen = new Set<string>();
  for (const p of paths) {
    if (seen.has(p.key.toLowerCase())) throw malformed(`duplicate field selected: ${p.key}`);
    seen.add(p.key.toLowerCase());
  }
  if (paths.length === 0) throw malformed("unexpected token: FROM");
  return paths;
}

function sortRows(
  rows: StoredRecord[],
  orderBy: OrderByClause | OrderByClause[] | undefined,
  scope: QueryScope,
  source: SoqlRecordSource,
) {
  const clauses = orderBy ? (Array.isArray(orderBy) ? orderBy : [orderBy]) : [];
  const keys = clauses.map((c) => {
    if (!("field" in c)) throw malformed("ORDER BY functions require an aggregate query");
    const path = resolvePath(scope, c.field);
    if (!path.field.sortable) {
      throw new SoqlError(
        "INVALID_FIELD",
        `field '${path.field.name}' can not be sorted in a query call`,
      );
    }
    // Salesforce sorts nulls first unless NULLS LAST is given, in either direction.
    return { path, desc: c.order === "DESC", nullsLast: c.nulls === "LAST" };
  });
  if (keys.length === 0) return;
  const decorated = rows.map((r) => ({
    r,
    vs: keys.map((k) => comparable(k.path.field.type, readPath(source, r, k.path))),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const va = a.vs[i];
      const vb = b.vs[i];
      if (va === vb) continue;
      if (va === null || vb === null) return (va === null) === keys[i].nullsLast ? 1 : -1;
      const c = va < vb ? -1 : 1;
      return keys[i].desc ? -c : c;
    }
    return 0;
  });
  decorated.forEach((d, i) => (rows[i] = d.r));
}

function runQuery(query: Query, source: SoqlRecordSource, opts: RunOptions): SoqlResult {
  const root = rootOf(query);
  const scope: QueryScope = { root, alias: query.sObjectAlias };
  if (query.withDataCategory)
    throw malformed("WITH DATA CATEGORY is not supported by the Tollgate sandbox");
  const offset = query.offset ?? 0;
  if (offset > MAX_OFFSET) {
    throw new SoqlError("MALFORMED_QUERY", `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  const items = query.fields ?? [];
  const isCountOnly =
    items.length === 1 &&
    items[0].type === "FieldFunctionExpression" &&
    items[0].functionName.toUpperCase() === "COUNT" &&
    items[0].parameters.length === 0;
  if (
    !isCountOnly &&
    items.some(
      (i) =>
        i.type === "FieldFunctionExpression" &&
        i.functionName.toUpperCase() === "COUNT" &&
        i.parameters.length === 0,
    )
  ) {
    throw malformed("COUNT() must be the only element in the SELECT list");
  }
  const rows = filteredRows(query, scope, source, opts);
  const end = query.limit === undefined ? undefined : offset + query.limit;

  if (isCountOnly) {
    if (query.groupBy) throw malformed("COUNT() cannot be used with GROUP BY");
    return { totalSize: rows.slice(offset, end).length, done: true, records: [] };
  }
  if (query.groupBy || items.some(isAggregateItem)) {
    const records = runAggregate(query, scope, source, rows);
    return { totalSize: records.length, done: true, records };
  }
  const paths = selectPaths(items, scope, query.limit);
  sortRows(rows, query.orderBy, scope, source);
  const records = rows.slice(offset, end).map((r) => {
    const out: ResultRecord = {
      attributes: { type: root.name, url: recordUrl(opts.apiVersion, root.name, r.Id) },
    };
    for (const p of paths) projectPath(source, r, p, out, opts.apiVersion);
    return out;
  });
  return { totalSize: records.length, done: true, records };
}
