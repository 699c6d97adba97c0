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
import {
  ConditionSyntaxError,
  MAX_LENGTH,
  parse,
  type TFieldRef,
  type TLiteral,
  type TNode,
} from "./condition-parser";

export { ConditionSyntaxError, type TFieldRef };

export type TConditionContext = {
  current: Readonly<Record<string, unknown>>;
  proposed: Readonly<Record<string, unknown>>;
};

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

// Every node's evaluator, so explainFailure can re-run sub-expressions without recompiling.
const compiled = new WeakMap<TNode, TEval>();

function compileNode(node: TNode): TEval {
  const ev = compileFresh(node);
  compiled.set(node, ev);
  return ev;
}

function compileFresh(node: TNode): TEval {
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
      const failing = node.items.find((n) => !(compiled.get(n) ?? compileNode(n))(ctx));
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
