import { AppError } from "@/lib/core/errors";
import { bufferedBodyOf } from "./door-request";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL text holds neither U+0000 nor half a surrogate pair: refuse them up front. */
const storable = (s: string) => !s.includes("\u0000") && !LONE_SURROGATE.test(s);

/** The deepest nesting of objects and arrays a body may have (API.md says so to agents). */
export const MAX_JSON_DEPTH = 32;

/**
 * Does the JSON text nest objects/arrays deeper than `max`? One pass over the characters,
 * brackets inside strings ignored; run before JSON.parse so a hostile body never reaches the
 * recursive code after it (zod, Prisma, the hash of the audit event).
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/**
 * A request's JSON body for both route wrappers: at most `maxBytes` read (even when
 * content-length lies or is absent), nested at most MAX_JSON_DEPTH deep, valid JSON, and only
 * strings PostgreSQL can store —
 * a bad body is a 400/413 here, never a 500 at insert. An empty body is `empty` when given.
 */
export async function readJsonBody(
  req: Request,
  opts: { maxBytes: number; empty?: unknown },
): Promise<unknown> {
  const tooLarge = () =>
    new AppError(
      "payload_too_large",
      `The request body is over ${Math.round(opts.maxBytes / 1024)} KiB`,
    );
  if (Number(req.headers.get("content-length") ?? 0) > opts.maxBytes) throw tooLarge();
  const buffered = bufferedBodyOf(req);
  if (buffered && buffered.byteLength > opts.maxBytes) throw tooLarge();
  const reader = buffered === undefined ? req.body?.getReader() : undefined;
  const chunks: Uint8Array[] = buffered ? [buffered] : [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > opts.maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text && opts.empty !== undefined) return opts.empty;
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError(
      "invalid_body",
      `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  let badText = false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, v) => {
      if (!storable(key) || (typeof v === "string" && !storable(v))) badText = true;
      return v;
    });
  } catch {
    throw new AppError("invalid_body", "The request body is not valid JSON");
  }
  if (badText)
    throw new AppError(
      "invalid_body",
      "Strings must be well-formed Unicode without NUL characters",
    );
  return parsed;
}
