import { AppError } from "@/lib/core/errors";
import { env } from "@/lib/env";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for console routes that change state. A browser sends the
 * session cookie with a request from any site, so a state-changing request must prove it comes
 * from the console itself:
 * - its body is JSON (`content-type: application/json`): another site can send JSON only after
 *   a CORS preflight, which the console never grants, while `text/plain` and form posts need
 *   none;
 * - its `Origin` is the console's own origin (the public URL, or the scheme and host the request
 *   was addressed to), or, when a browser omits `Origin`, `Sec-Fetch-Site` says `same-origin`.
 * Anything else is a 403 before the session is even read. Returns null when the request passes.
 */
export function crossSiteRefusal(
  req: { method: string; url: string; headers: Headers },
  publicUrl: string | undefined,
): string | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    return "Console requests that change something must send JSON (content-type: application/json)";
  }
  const origin = req.headers.get("origin");
  if (origin === null || origin === "") {
    if (req.headers.get("sec-fetch-site") === "same-origin") return null;
    return "This request does not come from the console (no Origin header)";
  }
  if (ownOrigins(req, publicUrl).has(origin.toLowerCase())) return null;
  return "This request comes from another site; the console accepts changes only from its own pages";
}

function ownOrigins(req: { url: string; headers: Headers }, publicUrl: string | undefined) {
  const out = new Set<string>();
  const add = (u: string | undefined | null) => {
    if (!u) return;
    try {
      out.add(new URL(u).origin.toLowerCase());
    } catch {
      /* not a URL: nothing to allow */
    }
  };
  add(publicUrl);
  const url = new URL(req.url);
  const host = req.headers.get("host");
  if (host) {
    const proto =
      req.headers.get("x-forwarded-proto")?.split(",")[0].trim() || url.protocol.replace(":", "");
    add(`${proto}://${host}`);
  }
  add(url.origin);
  return out;
}

/** The guard as an error, for the session route wrapper. */
export function assertSameOrigin(req: Request) {
  const why = crossSiteRefusal(req, env().NEXTAUTH_URL);
  if (why) throw new AppError("cross_site_request", why);
}
