import { AppError } from "@/lib/core/errors";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL text holds neither U+0000 nor half a surrogate pair: refuse them up front. */
const storable = (s: string) => !s.includes("\u0000") && !LONE_SURROGATE.test(s);

/**
 * A request's JSON body for both route wrappers: at most `maxBytes` read (even when
 * content-length lies or is absent), valid JSON, and only strings PostgreSQL can store —
 * a bad body is a 400/413 here, never a 500 at insert. An empty body is `empty` when given.
 */
export async function readJsonBody(
  req: Request,
  opts: { maxBytes: number; empty?: unknown },
): Promise<unknown> {
  const tooLarge = () =>
    new AppError(
      "payload_too_large",
      413,
      `The request body is over ${Math.round(opts.maxBytes / 1024)} KiB`,
    );
  if (Number(req.headers.get("content-length") ?? 0) > opts.maxBytes) throw tooLarge();
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
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
  let badText = false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, v) => {
      if (!storable(key) || (typeof v === "string" && !storable(v))) badText = true;
      return v;
    });
  } catch {
    throw new AppError("invalid_body", 400, "The request body is not valid JSON");
  }
  if (badText)
    throw new AppError(
      "invalid_body",
      400,
      "Strings must be well-formed Unicode without NUL characters",
    );
  return parsed;
}
