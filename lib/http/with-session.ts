import { z } from "zod";
import { requireUser, type TCurrentUser, type TPermission } from "@/lib/auth";
import type { TRequestContext } from "@/lib/audit";
import { toProblem } from "./problem";
import { readJsonBody } from "./read-json-body";
import { requestContext } from "./request-context";
import { assertSameOrigin } from "./same-origin";

const CONSOLE_MAX_BODY_BYTES = 256 * 1024;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Console answers are one person's view and some carry a secret shown once (an invited
 * person's initial password, a new agent key, a webhook's signing secret): no cache may keep
 * them. A route that chose its own caching (an export) keeps it.
 */
function noStore(res: Response): Response {
  if (!res.headers.has("cache-control")) res.headers.set("cache-control", "no-store");
  return res;
}

type Handler<B, Q> = (ctx: {
  user: TCurrentUser;
  body: B;
  query: Q;
  params: Record<string, string>;
  req: Request;
  /** client address and user agent: pass it to services whose audit events it belongs in */
  context: TRequestContext;
}) => Promise<unknown>;

/**
 * The wrapper for console (internal) API routes: state-changing methods only from the console's
 * own pages (same-origin JSON, `same-origin.ts`), a session with `permission`, zod-parsed body
 * and query (size and depth limits on every state-changing body), every error rendered as
 * problem+json, and `Cache-Control: no-store` on every answer. Returns JSON.
 */
export function withSession<B = undefined, Q = undefined>(
  opts: { permission: TPermission; body?: z.ZodType<B>; query?: z.ZodType<Q> },
  handler: Handler<B, Q>,
) {
  return async (req: Request, ctx: { params: Promise<Record<string, string>> }) => {
    try {
      assertSameOrigin(req);
      const user = await requireUser(opts.permission);
      let body = undefined as B;
      // a route without a body schema still gets the size and depth limits: a hostile body is
      // refused here, not ignored while the change goes through
      const raw = SAFE_METHODS.has(req.method.toUpperCase())
        ? undefined
        : await readJsonBody(req, { maxBytes: CONSOLE_MAX_BODY_BYTES, empty: {} });
      if (opts.body) {
        body = opts.body.parse(raw ?? {});
      }
      const query = (
        opts.query ? opts.query.parse(Object.fromEntries(new URL(req.url).searchParams)) : undefined
      ) as Q;
      const params = (await ctx?.params) ?? {};
      const context = requestContext(req);
      const result = await handler({ user, body, query, params, req, context });
      if (result instanceof Response) return noStore(result);
      return noStore(Response.json(result ?? { ok: true }));
    } catch (err) {
      return noStore(toProblem(err));
    }
  };
}
