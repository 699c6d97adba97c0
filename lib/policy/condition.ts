/**
 * Record conditions (grants) and matrix conditions (rules that raise the mode): a small,
 * safe, SOQL-WHERE-like language. It is parsed once into closures; nothing is ever `eval`ed.
 *
 *   expr       := or
 *   or         := and ("or" and)*
 *   and        := unary ("and" unary)*
 *   unary      := "not" unary | "(" expr ")" | comparison
 *   comparison := ref ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") literal
 *               | ref ["not"] "in" "(" literal ("," literal)* ")"
 *               | ref ["not"] "like" string
 *   ref        := Field | current.Field | proposed.Field
 *   literal    := 'string' | number | true | false | null | 2026-01-31 | 2026-01-31T09:00:00Z
 *
 * Keywords (and the `current.` / `proposed.` prefixes) are case-insensitive; field names are
 * not. A bare `Field` reads the record as it would be AFTER the change (proposed values over
 * current ones), `current.Field` the system of record now, `proposed.Field` only the proposed
 * value (null when the request does not change it).
 *
 * Semantics, deliberately simple:
 * - Null: only `= null` and `!= null` look at null. Any other comparison, `in`, `not in` and
 *   `like` on a null value is false (as in SQL, where null compares as unknown).
 * - Numbers compare numerically (a numeric string in the record counts as a number).
 * - Strings compare case-sensitively for `=`/`!=`/`in`, by UTF-16 code unit for `<`/`>`.
 *   `like` is case-insensitive, as in SOQL: `%` is any run, `_` one character, `\%` and `\_`
 *   are literal.
 * - A date literal (`2026-01-31`) compares the record value's calendar date (its first ten
 *   characters, or the UTC date of a Date); a datetime literal compares instants.
 * - A value of another type than the literal (a number against 'text') is simply not equal:
 *   `=` is false, `!=` / `not in` true, ordering false.
 */
import { AppError } from "@/lib/core/errors";

export type TConditionContext = {
  current: Readonly<Record<string, unknown>>;
  proposed: Readonly<Record<string, unknown>>;
};

export type TFieldRef = { scope: "merged" | "current" | "proposed"; field: string };

export type TCompiledCondition = {
  /** The text as written. */
  readonly text: string;
  /** Fields the condition reads, in order of first use (for messages). */
  readonly fields: readonly TFieldRef[];
  readonly evaluate: (ctx: TConditionContext) => boolean;
  /** The condition in canonical form (normalised spacing and keywords). */
  describe(): string;
  /** Why the condition is false for `ctx` (names the first failing comparison and its value). */
  explainFailure(ctx: TConditionContext): string;
};

/** A malformed condition. `position` is the 0-based offset of the offending text. */
export class ConditionSyntaxError extends AppError {
  constructor(
    readonly text: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super("invalid_condition", 422, `Invalid condition at column ${position + 1}: ${reason}`, {
      position,
      condition: text,
    });
    this.name = "ConditionSyntaxError";
  }
}

// ───────────────────────── lexer ─────────────────────────

type TToken =
  | { t: "ident"; v: string; pos: number }
  | { t: "kw"; v: string; pos: number }
  | { t: "str"; v: string; pos: number }
  | { t: "num"; v: number; raw: string; pos: number }
  | { t: "date"; v: string; dateOnly: boolean; ms: number; pos: number }
  | { t: "op"; v: string; pos: number }
  | { t: "("; pos: number }
  | { t: ")"; pos: number }
  | { t: ","; pos: number }
  | { t: "eof"; pos: number };

const KEYWORDS = new Set(["and", "or", "not", "in", "like", "true", "false", "null"]);
const MAX_LENGTH = 4000;
const MAX_DEPTH = 40;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const DATE = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function lex(text: string): TToken[] {
  const out: TToken[] = [];
  const fail = (pos: number, reason: string): never => {
    throw new ConditionSyntaxError(text, pos, reason);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const pos = i;
    if (c === "(" || c === ")" || c === ",") {
      out.push({ t: c, pos });
      i++;
      continue;
    }
    if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= text.length) fail(pos, "unterminated string (missing closing ')");
        const ch = text[i];
        if (ch === "\\" && i + 1 < text.length) {
          const next = text[i + 1];
          // \' and \\ are escapes; anything else keeps its backslash (for like's \% and \_).
          v += next === "'" || next === "\\" ? next : ch + next;
          i += 2;
        } else if (ch === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          v += ch;
          i++;
        }
      }
      out.push({ t: "str", v, pos });
      continue;
    }
    if (c === "=" || c === "!" || c === "<" || c === ">") {
      const two = text.slice(i, i + 2);
      if (two === "==") fail(pos, 'use "=" instead of "=="');
      if (two === "!=" || two === "<=" || two === ">=" || two === "<>") {
        out.push({ t: "op", v: two === "<>" ? "!=" : two, pos });
        i += 2;
      } else if (c === "!") {
        fail(pos, 'unexpected "!" (use "!=" or "not")');
      } else {
        out.push({ t: "op", v: c, pos });
        i++;
      }
      continue;
    }
    if (c === "&" || c === "|") fail(pos, `unexpected "${c}" (use "and" / "or")`);
    if ((c >= "0" && c <= "9") || c === "-") {
      DATE.lastIndex = i;
      const d = DATE.exec(text);
      if (d) {
        const raw = d[0];
        const dateOnly = raw.length === 10;
        const ms = Date.parse(dateOnly ? `${raw}T00:00:00Z` : raw);
        const month = Number(raw.slice(5, 7));
        const day = Number(raw.slice(8, 10));
        if (Number.isNaN(ms) || month < 1 || month > 12 || day < 1 || day > 31) {
          fail(pos, `invalid date ${raw}`);
        }
        out.push({ t: "date", v: raw, dateOnly, ms, pos });
        i += raw.length;
        continue;
      }
      NUMBER.lastIndex = i;
      const n = NUMBER.exec(text);
      if (!n) fail(pos, `unexpected "${c}"`);
      const raw = n![0];
      out.push({ t: "num", v: Number(raw), raw, pos });
      i += raw.length;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(text);
    if (!m) fail(pos, `unexpected character "${c}"`);
    const word = m![0];
    const lower = word.toLowerCase();
    out.push(KEYWORDS.has(lower) ? { t: "kw", v: lower, pos } : { t: "ident", v: word, pos });
    i += word.length;
  }
  out.push({ t: "eof", pos: text.length });
  return out;
}

// ───────────────────────── parser ─────────────────────────

type TLiteral =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number; raw: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "date"; value: string; dateOnly: boolean; ms: number };

type TRefNode = TFieldRef & { text: string };

type TNode =
  | { type: "and" | "or"; items: TNode[] }
  | { type: "not"; item: TNode }
  | { type: "cmp"; ref: TRefNode; op: string; lit: TLiteral }
  | { type: "in"; ref: TRefNode; lits: TLiteral[]; negated: boolean }
  | { type: "like"; ref: TRefNode; pattern: string; negated: boolean };

function describeToken(tok: TToken): string {
  switch (tok.t) {
    case "eof":
      return "the end of the condition";
    case "str":
      return `'${tok.v}'`;
    case "num":
      return tok.raw;
    case "date":
    case "ident":
    case "kw":
    case "op":
      return `"${tok.v}"`;
    default:
      return `"${tok.t}"`;
  }
}

function parse(text: string): { root: TNode; refs: TFieldRef[] } {
  const toks = lex(text);
  const refs: TFieldRef[] = [];
  let k = 0;
  const peek = () => toks[k];
  const fail = (tok: TToken, reason: string): never => {
    throw new ConditionSyntaxError(text, tok.pos, reason);
  };
  const isKw = (tok: TToken, v: string) => tok.t === "kw" && tok.v === v;

  function parseOr(depth: number): TNode {
    if (depth > MAX_DEPTH) fail(peek(), "the condition is nested too deeply");
    const items = [parseAnd(depth)];
    while (isKw(peek(), "or")) {
      k++;
      items.push(parseAnd(depth));
    }
    return items.length === 1 ? items[0] : { type: "or", items };
  }
  function parseAnd(depth: number): TNode {
    const items = [parseUnary(depth)];
    while (isKw(peek(), "and")) {
      k++;
      items.push(parseUnary(depth));
    }
    return items.length === 1 ? items[0] : { type: "and", items };
  }
  function parseUnary(depth: number): TNode {
    const tok = peek();
    if (isKw(tok, "not")) {
      k++;
      if (depth > MAX_DEPTH) fail(tok, "the condition is nested too deeply");
      return { type: "not", item: parseUnary(depth + 1) };
    }
    if (tok.t === "(") {
      k++;
      const inner = parseOr(depth + 1);
      const close = peek();
      if (close.t !== ")") fail(close, `expected ")" but found ${describeToken(close)}`);
      k++;
      return inner;
    }
    return parseComparison();
  }
  function parseRef(): TRefNode {
    const tok = peek();
    if (tok.t !== "ident") {
      if (tok.t === "eof") fail(tok, "expected a field name but the condition ended");
      fail(tok, `expected a field name but found ${describeToken(tok)}`);
    }
    k++;
    const raw = (tok as { v: string }).v;
    const dot = raw.indexOf(".");
    const prefix = dot > 0 ? raw.slice(0, dot).toLowerCase() : "";
    const scope = prefix === "current" || prefix === "proposed" ? prefix : "merged";
    const field = scope === "merged" ? raw : raw.slice(dot + 1);
    if (!refs.some((r) => r.scope === scope && r.field === field)) refs.push({ scope, field });
    return { scope, field, text: scope === "merged" ? field : `${scope}.${field}` };
  }
  function parseLiteral(): TLiteral {
    const tok = peek();
    k++;
    switch (tok.t) {
      case "str":
        return { kind: "string", value: tok.v };
      case "num":
        return { kind: "number", value: tok.v, raw: tok.raw };
      case "date":
        return { kind: "date", value: tok.v, dateOnly: tok.dateOnly, ms: tok.ms };
      case "kw":
        if (tok.v === "true" || tok.v === "false")
          return { kind: "boolean", value: tok.v === "true" };
        if (tok.v === "null") return { kind: "null" };
        break;
      case "ident":
        return fail(
          tok,
          `expected a value but found field ${tok.v} (comparing two fields is not supported)`,
        );
    }
    if (tok.t === "eof") return fail(tok, "expected a value but the condition ended");
    return fail(tok, `expected a value but found ${describeToken(tok)}`);
  }
  function parseComparison(): TNode {
    const ref = parseRef();
    let tok = peek();
    let negated = false;
    if (isKw(tok, "not")) {
      negated = true;
      k++;
      tok = peek();
      if (!isKw(tok, "in") && !isKw(tok, "like")) {
        fail(tok, `expected "in" or "like" after "not" but found ${describeToken(tok)}`);
      }
    }
    if (isKw(tok, "in")) {
      k++;
      const open = peek();
      if (open.t !== "(") fail(open, `expected "(" after "in" but found ${describeToken(open)}`);
      k++;
      if (peek().t === ")") fail(peek(), "the list after in is empty");
      const lits: TLiteral[] = [];
      for (;;) {
        const at = peek();
        const lit = parseLiteral();
        if (lit.kind === "null") fail(at, "null is not allowed in a list (use = null)");
        if (lits.length && !sameKind(lits[0], lit)) fail(at, "a list cannot mix types of values");
        lits.push(lit);
        const sep = peek();
        if (sep.t === ",") {
          k++;
          continue;
        }
        if (sep.t === ")") {
          k++;
          break;
        }
        fail(sep, `expected "," or ")" in the list but found ${describeToken(sep)}`);
      }
      return { type: "in", ref, lits, negated };
    }
    if (isKw(tok, "like")) {
      k++;
      const pat = peek();
      if (pat.t !== "str") fail(pat, `like needs a quoted pattern but found ${describeToken(pat)}`);
      k++;
      return { type: "like", ref, pattern: (pat as { v: string }).v, negated };
    }
    if (tok.t !== "op") {
      fail(tok, `expected an operator after ${ref.text} but found ${describeToken(tok)}`);
    }
    k++;
    const op = (tok as { v: string }).v;
    const at = peek();
    const lit = parseLiteral();
    if (lit.kind === "null" && op !== "=" && op !== "!=") {
      fail(at, `null can only be compared with = or != (found ${op})`);
    }
    if (lit.kind === "boolean" && op !== "=" && op !== "!=") {
      fail(at, `true/false can only be compared with = or != (found ${op})`);
    }
    return { type: "cmp", ref, op, lit };
  }

  if (!text.trim()) fail(toks[0], "the condition is empty");
  const root = parseOr(0);
  const rest = peek();
  if (rest.t !== "eof") {
    fail(rest, `unexpected ${describeToken(rest)} (expected "and", "or" or the end)`);
  }
  return { root, refs };
}

function sameKind(a: TLiteral, b: TLiteral): boolean {
  if (a.kind === "date" && b.kind === "date") return a.dateOnly === b.dateOnly;
  return a.kind === b.kind;
}

// ───────────────────────── compiler ─────────────────────────

type TEval = (ctx: TConditionContext) => boolean;
type TGet = (ctx: TConditionContext) => unknown;
/** Maps a record value to something comparable with the literal, or undefined on a type mismatch. */
type TCoerce = (v: unknown) => string | number | boolean | undefined;

const hasOwn = Object.hasOwn;

function getter(ref: TFieldRef): TGet {
  const f = ref.field;
  if (ref.scope === "current") return (c) => c.current[f];
  if (ref.scope === "proposed") return (c) => (hasOwn(c.proposed, f) ? c.proposed[f] : null);
  return (c) => (hasOwn(c.proposed, f) ? c.proposed[f] : c.current[f]);
}

const NUMERIC = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function coercer(lit: TLiteral): TCoerce {
  switch (lit.kind) {
    case "string":
      return (v) => (typeof v === "string" ? v : v instanceof Date ? v.toISOString() : undefined);
    case "number":
      return (v) =>
        typeof v === "number"
          ? Number.isNaN(v)
            ? undefined
            : v
          : typeof v === "string" && NUMERIC.test(v)
            ? Number(v)
            : undefined;
    case "boolean":
      return (v) =>
        typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : undefined;
    case "date":
      if (lit.dateOnly) {
        return (v) =>
          typeof v === "string" && v.length >= 10
            ? v.slice(0, 10)
            : v instanceof Date && !Number.isNaN(v.getTime())
              ? v.toISOString().slice(0, 10)
              : undefined;
      }
      return (v) => {
        const ms = v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : NaN;
        return Number.isNaN(ms) ? undefined : ms;
      };
    case "null":
      return () => undefined;
  }
}

function literalValue(lit: TLiteral): string | number | boolean | null {
  switch (lit.kind) {
    case "null":
      return null;
    case "date":
      return lit.dateOnly ? lit.value : lit.ms;
    default:
      return lit.value;
  }
}

function compileCmp(get: TGet, op: string, lit: TLiteral): TEval {
  if (lit.kind === "null") return op === "=" ? (c) => get(c) == null : (c) => get(c) != null;
  const co = coercer(lit);
  // Ordering is only reached for numbers, strings and dates, so one type per closure.
  const t = literalValue(lit) as number;
  switch (op) {
    case "=":
      return (c) => {
        const v = get(c);
        return v != null && co(v) === t;
      };
    case "!=":
      return (c) => {
        const v = get(c);
        return v != null && co(v) !== t;
      };
    case "<":
      return (c) => {
        const v = get(c);
        if (v == null) return false;
        const x = co(v) as number | undefined;
        return x !== undefined && x < t;
      };
    case "<=":
      return (c) => {
        const v = get(c);
        if (v == null) return false;
        const x = co(v) as number | undefined;
        return x !== undefined && x <= t;
      };
    case ">":
      return (c) => {
        const v = get(c);
        if (v == null) return false;
        const x = co(v) as number | undefined;
        return x !== undefined && x > t;
      };
    default:
      return (c) => {
        const v = get(c);
        if (v == null) return false;
        const x = co(v) as number | undefined;
        return x !== undefined && x >= t;
      };
  }
}

function likeRegex(pattern: string): RegExp {
  let src = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\" && (pattern[i + 1] === "%" || pattern[i + 1] === "_")) {
      src += pattern[i + 1];
      i++;
    } else if (ch === "%") src += "[\\s\\S]*";
    else if (ch === "_") src += "[\\s\\S]";
    else src += ch.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${src}$`, "i");
}

function compileNode(node: TNode): TEval {
  switch (node.type) {
    case "and": {
      const items = node.items.map(compileNode);
      if (items.length === 2) {
        const [a, b] = items;
        return (c) => a(c) && b(c);
      }
      return (c) => {
        for (const f of items) if (!f(c)) return false;
        return true;
      };
    }
    case "or": {
      const items = node.items.map(compileNode);
      if (items.length === 2) {
        const [a, b] = items;
        return (c) => a(c) || b(c);
      }
      return (c) => {
        for (const f of items) if (f(c)) return true;
        return false;
      };
    }
    case "not": {
      const inner = compileNode(node.item);
      return (c) => !inner(c);
    }
    case "cmp":
      return compileCmp(getter(node.ref), node.op, node.lit);
    case "in": {
      const get = getter(node.ref);
      const co = coercer(node.lits[0]);
      const set = new Set(node.lits.map(literalValue));
      const negated = node.negated;
      return (c) => {
        const v = get(c);
        if (v == null) return false;
        return set.has(co(v) as string) !== negated;
      };
    }
    case "like": {
      const get = getter(node.ref);
      const re = likeRegex(node.pattern);
      const negated = node.negated;
      return (c) => {
        const v = get(c);
        return typeof v === "string" && re.test(v) !== negated;
      };
    }
  }
}

// ───────────────────────── describing ─────────────────────────

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function literalText(lit: TLiteral): string {
  switch (lit.kind) {
    case "string":
      return quote(lit.value);
    case "number":
      return lit.raw;
    case "date":
      return lit.value;
    case "boolean":
      return String(lit.value);
    case "null":
      return "null";
  }
}

function nodeText(node: TNode, parentPrec = 0): string {
  switch (node.type) {
    case "and":
    case "or": {
      const prec = node.type === "or" ? 1 : 2;
      const s = node.items.map((n) => nodeText(n, prec)).join(` ${node.type} `);
      return parentPrec > prec ? `(${s})` : s;
    }
    case "not":
      return `not ${nodeText(node.item, 3)}`;
    case "cmp":
      return `${node.ref.text} ${node.op} ${literalText(node.lit)}`;
    case "in":
      return `${node.ref.text} ${node.negated ? "not in" : "in"} (${node.lits.map(literalText).join(", ")})`;
    case "like":
      return `${node.ref.text} ${node.negated ? "not like" : "like"} ${quote(node.pattern)}`;
  }
}

/** Formats a record value for a human-readable message. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return quote(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "an invalid date" : v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function explain(node: TNode, ctx: TConditionContext): string {
  switch (node.type) {
    case "and": {
      const failing = node.items.find((n) => !compileNode(n)(ctx));
      return failing ? explain(failing, ctx) : `${nodeText(node)} holds`;
    }
    case "or":
      return node.items.map((n) => explain(n, ctx)).join("; and ");
    case "not":
      return `${nodeText(node)} is false because ${nodeText(node.item, 3)} holds`;
    default: {
      const value = getter(node.ref)(ctx);
      return `${nodeText(node)} is false (${node.ref.text} is ${formatValue(value)})`;
    }
  }
}

// ───────────────────────── public API ─────────────────────────

/** Parses `text` once; throws ConditionSyntaxError with a position and a human reason. */
export function compileCondition(text: string): TCompiledCondition {
  if (typeof text !== "string") throw new ConditionSyntaxError(String(text), 0, "not text");
  if (text.length > MAX_LENGTH) {
    throw new ConditionSyntaxError(text, MAX_LENGTH, `longer than ${MAX_LENGTH} characters`);
  }
  const { root, refs } = parse(text);
  const evaluate = compileNode(root);
  return {
    text,
    fields: refs,
    evaluate,
    describe: () => nodeText(root),
    explainFailure: (ctx) => (evaluate(ctx) ? `${nodeText(root)} holds` : explain(root, ctx)),
  };
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, TCompiledCondition | ConditionSyntaxError>();

/**
 * compileCondition with a process-wide cache keyed by the text (syntax errors are cached
 * too, so a malformed grant costs one parse). Bounded: the cache restarts when full.
 */
export function getCompiledCondition(text: string): TCompiledCondition {
  let hit = cache.get(text);
  if (hit === undefined) {
    try {
      hit = compileCondition(text);
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      hit = err;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, hit);
  }
  if (hit instanceof ConditionSyntaxError) throw hit;
  return hit;
}

/** For editors: null when `text` is a valid condition, else the syntax error. */
export function validateCondition(text: string): ConditionSyntaxError | null {
  try {
    getCompiledCondition(text);
    return null;
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return err;
    throw err;
  }
}
