// Aggregate queries: COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX, with or without GROUP BY.
// Results are AggregateResult rows keyed by field name or by alias / exprN, as the REST
// API returns them.
import type {
  FieldFunctionExpression,
  FieldType as SelectItem,
  OrderByClause,
  Query,
} from "@jetstreamapp/soql-parser-js";
import { SoqlError } from "./errors";
import { comparable, isNumericType, type FieldValue, type StoredRecord } from "./field-values";
import {
  readPath,
  resolvePath,
  type QueryScope,
  type ResolvedPath,
  type ResultRecord,
  type SoqlRecordSource,
} from "./soql-paths";

const AGGREGATES = new Set(["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"]);

const malformed = (message: string) => new SoqlError("MALFORMED_QUERY", message);
const normalizeExpr = (s: string) => s.replace(/\s+/g, "").toLowerCase();

interface Column {
  key: string;
  expr: string;
  compute: (rows: StoredRecord[]) => FieldValue;
  /** Set for grouped (non-aggregate) columns. */
  path?: ResolvedPath;
}

export function isAggregateItem(item: SelectItem): item is FieldFunctionExpression {
  return item.type === "FieldFunctionExpression" && AGGREGATES.has(item.functionName.toUpperCase());
}

function aggregateColumn(
  item: FieldFunctionExpression,
  key: string,
  scope: QueryScope,
  source: SoqlRecordSource,
): Column {
  const fn = item.functionName.toUpperCase();
  const param = item.parameters[0];
  const expr = item.rawValue ?? `${fn}(${String(param ?? "")})`;
  if (fn === "COUNT" && param === undefined)
    throw malformed("COUNT() must be the only element in the SELECT list");
  if (typeof param !== "string") throw malformed(`unexpected token in ${expr}`);
  const path = resolvePath(scope, param);
  const f = path.field;
  if ((fn === "SUM" || fn === "AVG") && !isNumericType(f.type)) {
    throw malformed(`field ${f.name} does not support aggregate operator ${fn}`);
  }
  const values = (rows: StoredRecord[]) =>
    rows.map((r) => readPath(source, r, path)).filter((v) => v !== null);
  const compute = (rows: StoredRecord[]): FieldValue => {
    const vs = values(rows);
    switch (fn) {
      case "COUNT":
        return vs.length;
      case "COUNT_DISTINCT":
        return new Set(vs.map((v) => comparable(f.type, v))).size;
      case "SUM":
        return vs.length ? vs.reduce<number>((a, v) => a + Number(v), 0) : null;
      case "AVG":
        return vs.length ? vs.reduce<number>((a, v) => a + Number(v), 0) / vs.length : null;
      default: {
        if (!vs.length) return null;
        const sign = fn === "MIN" ? -1 : 1;
        return vs.reduce((best, v) =>
          sign * compareValues(comparable(f.type, v), comparable(f.type, best)) > 0 ? v : best,
        );
      }
    }
  };
  return { key, expr, compute };
}

function compareValues(a: ReturnType<typeof comparable>, b: ReturnType<typeof comparable>): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export function runAggregate(
  query: Query,
  scope: QueryScope,
  source: SoqlRecordSource,
  rows: StoredRecord[],
): ResultRecord[] {
  if (query.having) throw malformed("HAVING is not supported by the Tollgate sandbox");
  const groupClauses = query.groupBy
    ? Array.isArray(query.groupBy)
      ? query.groupBy
      : [query.groupBy]
    : [];
  const groupPaths = groupClauses.map((g) => {
    if (!("field" in g))
      throw malformed("GROUP BY functions are not supported by the Tollgate sandbox");
    return resolvePath(scope, g.field);
  });
  let exprIndex = 0;
  const columns: Column[] = (query.fields ?? []).map((item) => {
    if (isAggregateItem(item))
      return aggregateColumn(item, item.alias ?? `expr${exprIndex++}`, scope, source);
    if (item.type !== "Field" && item.type !== "FieldRelationship")
      throw malformed("unsupported SELECT item in aggregate query");
    const dotted =
      item.type === "Field" ? item.field : [...item.relationships, item.field].join(".");
    const path = resolvePath(scope, dotted);
    if (!groupPaths.some((g) => g.key === path.key))
      throw malformed(`Field must be grouped or aggregated: ${path.field.name}`);
    return {
      key: path.field.name,
      expr: path.key,
      path,
      compute: (rs: StoredRecord[]) => readPath(source, rs[0], path),
    };
  });

  const groups = new Map<string, StoredRecord[]>();
  if (groupPaths.length === 0) groups.set("", rows);
  for (const r of groupPaths.length ? rows : []) {
    const key = JSON.stringify(
      groupPaths.map((p) => comparable(p.field.type, readPath(source, r, p))),
    );
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const results = [...groups.values()].map((members) => {
    const out: ResultRecord = { attributes: { type: "AggregateResult" } };
    for (const c of columns) out[c.key] = c.compute(members);
    return { out, members };
  });
  sortGroups(results, query.orderBy, columns, groupPaths, source);
  const offset = query.offset ?? 0;
  const end = query.limit === undefined ? undefined : offset + query.limit;
  return results.slice(offset, end).map((g) => g.out);
}

function sortGroups(
  results: Array<{ out: ResultRecord; members: StoredRecord[] }>,
  orderBy: OrderByClause | OrderByClause[] | undefined,
  columns: Column[],
  groupPaths: ResolvedPath[],
  source: SoqlRecordSource,
) {
  const clauses = orderBy ? (Array.isArray(orderBy) ? orderBy : [orderBy]) : [];
  const keys = clauses.map((c) => {
    const desc = c.order === "DESC";
    const nullsLast = c.nulls === "LAST";
    if ("fn" in c) {
      const column = columns.find(
        (col) => normalizeExpr(col.expr) === normalizeExpr(c.fn.rawValue ?? ""),
      );
      if (!column)
        throw malformed(
          `ORDER BY ${c.fn.rawValue ?? "expression"} must also appear in the SELECT list`,
        );
      return {
        read: (g: { out: ResultRecord }) => g.out[column.key] as FieldValue,
        desc,
        nullsLast,
      };
    }
    const alias = columns.find(
      (col) => col.key.toLowerCase() === c.field.toLowerCase() && !col.path,
    );
    if (alias)
      return {
        read: (g: { out: ResultRecord }) => g.out[alias.key] as FieldValue,
        desc,
        nullsLast,
      };
    const group = groupPaths.find((p) => p.key.toLowerCase() === c.field.toLowerCase());
    if (!group) throw malformed(`Ordered field must be grouped or aggregated: ${c.field}`);
    return {
      read: (g: { members: StoredRecord[] }) =>
        comparable(group.field.type, readPath(source, g.members[0], group)),
      desc,
      nullsLast,
    };
  });
  results.sort((a, b) => {
    for (const k of keys) {
      const va = k.read(a as never);
      const vb = k.read(b as never);
      if (va === vb) continue;
      if (va === null || vb === null) return (va === null) === k.nullsLast ? 1 : -1;
      const c = compareValues(
        typeof va === "string" ? va.toLowerCase() : va,
        typeof vb === "string" ? vb.toLowerCase() : vb,
      );
      return k.desc ? -c : c;
    }
    return 0;
  });
}
