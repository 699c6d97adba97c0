import { clientAddress } from "@/lib/auth/throttle";
import { env } from "@/lib/env";
import { USER_AGENT_MAX, type TRequestContext } from "@/lib/audit/events";

/**
 * Where a console request came from, for the audit events it causes: the client address as
 * sign-in throttling decides it (`x-forwarded-for` only behind a proxy TOLLGATE_TRUST_PROXY
 * trusts, else unknown) and the user agent, cut short so a huge header cannot bloat the lanes.
 */
export function requestContext(req: Request): TRequestContext {
  const ua = req.headers.get("user-agent")?.trim();
  return {
    ip: clientAddress(req.headers.get("x-forwarded-for"), env().TOLLGATE_TRUST_PROXY),
    userAgent: ua ? ua.slice(0, USER_AGENT_MAX) : null,
  };
}
