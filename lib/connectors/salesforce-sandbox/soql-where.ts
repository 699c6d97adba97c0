// WHERE clauses. The parser hands back a right-leaning chain of conditions with
// parenthesis counts attached, so the chain is flattened to tokens and re-parsed here.
// Like Salesforce, mixing AND and OR without parentheses is a malformed query, and null
// is an ordinary value: `Field != 'x'` and `NOT IN` match records where Field is null.
import type { Condition, Query, ValueCondition, WhereClause } from "@jetstreamapp/soql-parser-js";
import { SoqlError } from "./errors";
import {
  comparable,
  isTextType,
  parseDate,
  parseDateTime,
  type StoredRecord,
} from "./field-values";
import { normalizeId } from "./ids";
import { dateLiteralRange, type DateRange } from "./soql-date-literals";
import {
  readPath,
  resolvePath,
  type QueryScope,
  type ResolvedPath,
  type SoqlRecordSource,
} from "./soql-paths";
import type { FieldSchema } from "./schema-builder";

export type Predicate = (record: StoredRecord) => boolean;

type Token =
  | { kind: "(" | ")" | "AND" | "OR" | "NOT" }
  | { kind: "cond"; cond: Condition & Partial<ValueCondition> & { valueQuery?: Query } };

export interface WhereContext {
  scope: QueryScope;
  source: SoqlRecordSource;
  now: Date;
  /** Evaluates a semi-join sub-query to the set of (lower-cased) values it selects. */
  subquery: (query: Query) => Set<string>;
}

const malformed = (message: string) => new SoqlError("MALFORMED_QUERY", message);

function tokenize(where: WhereClause | undefined): Token[] {
  const tokens: Token[] = [];
  let node: WhereClause | undefined = where;
  while (node) {
    const left = node.left as (Condition & { openParen?: number; closeParen?: number }) | null;
    if (left) {
      for (let i = 0; i < (left.openParen ?? 0); i++) tokens.push({ kind: "(" });
      if ("field" in left || "fn" in left) {
        tokens.push({ kind: "cond", cond: left });
        for (let i = 0; i < (left.closeParen ?? 0); i++) tokens.push({ kind: ")" });
      }
    }
    const op = "operator" in node ? node.operator : undefined;
    const right: WhereClause | undefined = "right" in node ? node.right : undefined;
    if (op) tokens.push({ kind: op });
    else if (right) throw malformed("unexpected token: missing AND or OR between conditions");
    node = right;
  }
  return tokens;
}

type CondToken = Extract<Token, { kind: "cond" }>;
type Node = { kind: "AND" | "OR"; parts: Node[] } | { kind: "NOT"; inner: Node } | CondToken;

/**
 * Recursive descent over the tokens: expr := unary (AND unary)* | unary (OR unary)*.
 * The whole clause is parsed before any field is resolved, so syntax errors win over
 * unknown fields, as in Salesforce.
 */
function parseTokens(tokens: Token[]): Node {
  let pos = 0;
  const peek = () => tokens[pos]?.kind;
  const expr = (): Node => {
    const parts = [unary()];
    let joiner: "AND" | "OR" | undefined;
    while (peek() === "AND" || peek() === "OR") {
      const op = tokens[pos++].kind as "AND" | "OR";
      if (joiner && joiner !== op)
        throw malformed(`unexpected token: '${op}' (use parentheses to mix AND and OR)`);
      joiner = op;
      parts.push(unary());
    }
    return joiner ? { kind: joiner, parts } : parts[0];
  };
  const unary = (): Node => {
    if (peek() === "NOT") {
      pos++;
      return { kind: "NOT", inner: unary() };
    }
    if (peek() === "(") {
      pos++;
      const inner = expr();
      if (peek() !== ")") throw malformed("unexpected token: expecting ')'");
      pos++;
      return inner;
    }
    const t = tokens[pos++];
    if (!t || t.kind !== "cond")
      throw malformed(`unexpected token: '${t?.kind ?? "end of query"}'`);
    return t;
  };
  const tree = expr();
  if (pos !== tokens.length) throw malformed(`unexpected token: '${tokens[pos].kind}'`);
  return tree;
}

function compileNode(node: Node, ctx: WhereContext): Predicate {
  switch (node.kind) {
    case "cond":
      return compileCondition(node.cond, ctx);
    case "NOT": {
      const inner = compileNode(node.inner, ctx);
      return (r) => !inner(r);
    }
    case "AND": {
      const parts = node.parts.map((p) => compileNode(p, ctx));
      return (r) => parts.every((p) => p(r));
    }
    case "OR": {
      const parts = node.parts.map((p) => compileNode(p, ctx));
      return (r) => parts.some((p) => p(r));
    }
  }
}

export function compileWhere(where: WhereClause | undefined, ctx: WhereContext): Predicate {
  if (!where) return () => true;
  return compileNode(parseTokens(tokenize(where)), ctx);
}

/** `'it\'s'` → `it's`; LIKE keeps `\%` and `\_` escaped so they stay literal. */
function unquote(raw: string, keepLikeEscapes = false): string {
  const inner = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  const map: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" };
  return inner.replace(/\\(.)/g, (_, ch: string) =>
    keepLikeEscapes && (ch === "%" || ch === "_") ? `\\${ch}` : (map[ch] ?? ch),
  );
}

type Operand =
  | { kind: "null" }
  | { kind: "value"; value: string | number | boolean }
  | { kind: "range"; range: DateRange };

const SF_TYPE_NAMES: Record<string, string> = {
  datetime: "dateTime",
  int: "integer",
  currency: "double",
  percent: "double",
};

function literalError(f: FieldSchema): SoqlError {
  const quoted = isTextType(f.type) || f.type === "id" || f.type === "reference";
  return new SoqlError(
    "INVALID_FIELD",
    `value of filter criterion for field '${f.name}' must be of type ${SF_TYPE_NAMES[f.type] ?? f.type} and ` +
      (quoted ? "should be enclosed in quotes" : "should not be enclosed in quotes"),
  );
}

function toOperand(
  f: FieldSchema,
  raw: string,
  literalType: string | undefined,
  n: number | undefined,
  now: Date,
): Operand {
  if (literalType === "NULL") return { kind: "null" };
  const temporal = f.type === "date" || f.type === "datetime";
  if (temporal && (literalType === "DATE_LITERAL" || literalType === "DATE_N_LITERAL")) {
    return { kind: "range", range: dateLiteralRange(raw, n, now) };
  }
  switch (f.type) {
    case "date":
    case "datetime": {
      const expected = f.type === "date" ? "DATE" : "DATETIME";
      const ms =
        literalType === expected
          ? f.type === "date"
            ? parseDate(raw)
            : parseDateTime(raw)
          : undefined;
      if (ms === undefined) throw literalError(f);
      return { kind: "value", value: ms };
    }
    case "boolean":
      if (literalType !== "BOOLEAN") throw literalError(f);
      return { kind: "value", value: raw.toUpperCase() === "TRUE" };
    case "double":
    case "int":
    case "currency":
    case "percent": {
      const prefixed = literalType?.endsWith("_WITH_CURRENCY_PREFIX");
      if (!(
        literalType === "INTEGER" ||
        literalType === "DECIMAL" ||
        (prefixed && f.type === "currency")
      )) {
        throw literalError(f);
      }
      return { kind: "value", value: Number(prefixed ? raw.slice(3) : raw) };
    }
    case "id":
    case "reference": {
      if (literalType !== "STRING") throw literalError(f);
      const text = unquote(raw);
      const id = normalizeId(text);
      if (!id) throw new SoqlError("INVALID_QUERY_FILTER_OPERATOR", `invalid ID field: ${text}`);
      return { kind: "value", value: id.toLowerCase() };
    }
    default:
      if (literalType !== "STRING") throw literalError(f);
      return { kind: "value", value: unquote(raw).toLowerCase() };
  }
}

function likeToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, "i");
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function matches(op: string, actual: ReturnType<typeof comparable>, operand: Operand): boolean {
  if (operand.kind === "null")
    return op === "=" ? actual === null : op === "!=" ? actual !== null : false;
  if (operand.kind === "range") {
    const [start, end] = operand.range;
    if (actual === null) return op === "!=";
    const v = actual as number;
    switch (op) {
      case "=":
        return v >= start && v < end;
      case "!=":
        return v < start || v >= end;
      case "<":
        return v < start;
      case "<=":
        return v < end;
      case ">":
        return v >= end;
      case ">=":
        return v >= start;
    }
    return false;
  }
  if (actual === null) return op === "!=";
  const expected = operand.value;
  switch (op) {
    case "=":
      return actual === expected;
    case "!=":
      return actual !== expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
  }
  return false;
}

function compileCondition(cond: CondToken["cond"], ctx: WhereContext): Predicate {
  if (!cond.field) throw malformed("Functions in WHERE are not supported by the Tollgate sandbox");
  const path: ResolvedPath = resolvePath(ctx.scope, cond.field);
  const f = path.field;
  if (!f.filterable)
    throw new SoqlError("INVALID_FIELD", `field '${f.name}' can not be filtered in a query call`);
  const op = String(cond.operator).toUpperCase();
  const read = (r: StoredRecord) => comparable(f.type, readPath(ctx.source, r, path));

  if (op === "INCLUDES" || op === "EXCLUDES") {
    throw new SoqlError(
      "INVALID_QUERY_FILTER_OPERATOR",
      `${op} can only be used with multi-select picklists`,
    );
  }
  if (op === "IN" || op === "NOT IN") {
    const negate = op === "NOT IN";
    if (cond.valueQuery) {
      if (f.type !== "id" && f.type !== "reference") {
        throw new SoqlError(
          "INVALID_FIELD",
          "Semi join sub-selects are only allowed on Id and reference fields",
        );
      }
      const values = ctx.subquery(cond.valueQuery);
      return (r) => {
        const v = read(r);
        return negate ? v === null || !values.has(String(v)) : v !== null && values.has(String(v));
      };
    }
    const raws = Array.isArray(cond.value) ? cond.value : [cond.value ?? ""];
    const types = Array.isArray(cond.literalType)
      ? cond.literalType
      : raws.map(() => cond.literalType as string);
    const ns = (cond as { dateLiteralVariable?: number | number[] }).dateLiteralVariable;
    const operands = raws.map((raw, i) =>
      toOperand(f, raw, types[i], Array.isArray(ns) ? ns[i] : ns, ctx.now),
    );
    return (r) => {
      const v = read(r);
      const hit = operands.some((o) => matches("=", v, o));
      return negate ? !hit : hit;
    };
  }
  if (Array.isArray(cond.value)) throw malformed(`unexpected token: '(' after ${op}`);
  if (op === "LIKE") {
    if (!isTextType(f.type) || cond.literalType !== "STRING") {
      throw new SoqlError(
        "INVALID_QUERY_FILTER_OPERATOR",
        `invalid operator on ${f.type} field: LIKE`,
      );
    }
    const re = likeToRegExp(unquote(cond.value ?? "", true));
    return (r) => {
      const v = readPath(ctx.source, r, path);
      return v !== null && re.test(String(v));
    };
  }
  if (f.type === "boolean" && op !== "=" && op !== "!=") {
    throw new SoqlError(
      "INVALID_QUERY_FILTER_OPERATOR",
      `invalid operator on boolean field: ${op}`,
    );
  }
  const n = (cond as { dateLiteralVariable?: number }).dateLiteralVariable;
  const operand = toOperand(
    f,
    cond.value ?? "",
    cond.literalType as string | undefined,
    n,
    ctx.now,
  );
  return (r) => matches(op, read(r), operand);
}
