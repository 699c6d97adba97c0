/**
 * Lexer and parser of the condition language (grammar and semantics: condition.ts). Runs once
 * per distinct condition text; the result is compiled into closures by condition.ts.
 */
import { AppError } from "@/lib/core/errors";

export type TFieldRef = { scope: "merged" | "current" | "proposed"; field: string };

/** A malformed condition. `position` is the 0-based offset of the offending text. */
export class ConditionSyntaxError extends AppError {
  constructor(
    readonly text: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super("invalid_condition", `Invalid condition at column ${position + 1}: ${reason}`, {
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
export const MAX_LENGTH = 4000;
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

export type TLiteral =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number; raw: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "date"; value: string; dateOnly: boolean; ms: number };

type TRefNode = TFieldRef & { text: string };

export type TNode =
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

export function parse(text: string): { root: TNode; refs: TFieldRef[] } {
  const toks = lex(text);
  const refs: TFieldRef[] = [];
  let k = 0;
  const peek = () => toks[k];
  const fail = (tok: TToken, reason: string): never => {
    throw new ConditionSyntaxError(text, tok.pos, reason);
  };
  const isKw = (tok: TToken, v: string) => tok.t === "kw" && tok.v === v;

  /** `a op b op …` as one node of `op`; a lone operand stays itself. */
  function parseChain(op: "or" | "and", operand: (depth: number) => TNode, depth: number): TNode {
    const items = [operand(depth)];
    while (isKw(peek(), op)) {
      k++;
      items.push(operand(depth));
    }
    return items.length === 1 ? items[0] : { type: op, items };
  }
  function parseOr(depth: number): TNode {
    if (depth > MAX_DEPTH) fail(peek(), "the condition is nested too deeply");
    return parseChain("or", parseAnd, depth);
  }
  function parseAnd(depth: number): TNode {
    return parseChain("and", parseUnary, depth);
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
