/**
 * Content-Security-Policy for every response. Scripts: 'self' plus 'unsafe-inline', because
 * Next's App Router streams its bootstrap and RSC payload as inline <script> tags; a nonce
 * would need a per-request proxy rewrite of this header and every page dynamically rendered
 * (static pages such as /forbidden would lose their scripts), so it is left for later.
 * What this policy does give: no framing anywhere (frame-ancestors 'none' — the inbox's
 * one-key approve cannot be clickjacked), scripts, styles, fonts, images and fetches only from
 * this origin, no plugins, no <base> hijack, forms post only here.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The headers every response carries: next.config.ts gives them to Next's responses, and the
 * agent API's own door (lib/http/agent-door.ts) to its own. No imports, no "server-only": Next
 * reads this file while it loads its config.
 */
export const SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: CSP },
  // for browsers without frame-ancestors
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // console URLs carry request ids: never send them to another site
  { key: "Referrer-Policy", value: "same-origin" },
];
