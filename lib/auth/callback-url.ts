/**
 * Where to send a person after sign-in: only a path on this site. Pure (the login form
 * imports it in the browser). Browsers treat `\` like `/` and drop tabs and newlines, so
 * `/\evil.example` (`/%5Cevil.example` in a link) or `/\t/evil.example` would become
 * `//evil.example` — another host. Anything that is not plainly a local path gets the
 * fallback.
 */
/** Set by proxy.ts on every request: the path and query the browser asked for. */
export const REQUEST_PATH_HEADER = "x-tollgate-request-path";

const PROBE = "http://tollgate.invalid";

export function safeCallbackPath(raw: unknown, fallback = "/agents"): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return fallback;
  }
  for (const s of [raw, decoded]) {
    if (!s.startsWith("/") || s.startsWith("//")) return fallback;
    if (/[\\\u0000-\u001f\u007f]/.test(s)) return fallback;
  }
  let url: URL;
  try {
    url = new URL(raw, PROBE);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE) return fallback;
  // the sign-in page and next-auth's own endpoints are never a destination
  if (/^\/(login|api)(\/|$)/.test(url.pathname)) return fallback;
  // dot segments are resolved only now: `/.//evil.example` normalises to `//evil.example`
  const out = url.pathname + url.search + url.hash;
  if (out.startsWith("//") || out.includes("\\")) return fallback;
  return out;
}

/** next-auth's `redirect` callback: same origin only, as a path through safeCallbackPath. */
export function sameOriginRedirect(url: string, baseUrl: string): string {
  const base = new URL(baseUrl);
  let path: unknown = url;
  if (!url.startsWith("/")) {
    try {
      const u = new URL(url);
      path = u.origin === base.origin ? u.pathname + u.search + u.hash : null;
    } catch {
      path = null;
    }
  }
  // sign-out returns to the sign-in page, which is no destination after signing in
  const target = path === "/login" ? path : safeCallbackPath(path, "/");
  return new URL(target, base.origin).toString();
}
