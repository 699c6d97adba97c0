import { z } from "zod";
import { requireUser, type TCurrentUser, type TPermission } from "@/lib/auth";
import type { TRequestContext } from "@/lib/audit";
import { toProblem } from "./problem";
import { readJsonBody } from "./read-json-body";
import { requestContext } from "./request-context";
import { assertSameOrigin } from "./same-origin";

const CONSOLE_MAX_BODY_BYTES = 256 * 1024;

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
 * and query, and every error rendered as problem+json. Returns JSON.
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
      if (opts.body) {
        body = opts.body.parse(
          await readJsonBody(req, { maxBytes: CONSOLE_MAX_BODY_BYTES, empty: {} }),
        );
      }
      const query = (
        opts.query ? opts.query.parse(Object.fromEntries(new URL(req.url).searchParams)) : undefined
      ) as Q;
      const params = (await ctx?.params) ?? {};
      const context = requestContext(req);
      const result = await handler({ user, body, query, params, req, context });
      if (result instanceof Response) return result;
      return Response.json(result ?? { ok: true });
    } catch (err) {
      return toProblem(err);
    }
  };
}
