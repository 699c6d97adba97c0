/** Why a single sign-on was refused (sso-sign-in.ts): the code travels as /login?error=<code>. */
export type TSsoRefusal = "SsoNoEmail" | "SsoEmailUnverified" | "SsoDisabled" | "SsoWrongIssuer";

const MESSAGES: Record<string, string> = {
  SsoNoEmail: "Your identity provider did not send an email address, so no account can be matched.",
  SsoEmailUnverified:
    "Your identity provider has not verified your email address, so Tollgate cannot trust it. Verify it there, then sign in again.",
  SsoDisabled: "This account is disabled.",
  SsoWrongIssuer: "The sign-in came from an identity provider Tollgate is not configured for.",
  // next-auth's own codes (a state, PKCE or nonce mismatch, the provider refusing, …)
  OAuthCallback: "Single sign-on did not complete. Start again from this page.",
  OAuthSignin: "Single sign-on could not start: the identity provider did not answer.",
  OAuthAccountNotLinked: "Single sign-on did not complete. Start again from this page.",
  AccessDenied: "Sign-in was refused.",
  Configuration: "Sign-in is misconfigured on the server. Tell an admin.",
};

/**
 * The message for the sign-in page's `?error=` code. Only known codes have their own words:
 * the query is anyone's to write, so its text is never shown as such.
 */
export function signInErrorMessage(code: unknown): string | null {
  if (typeof code !== "string" || !code) return null;
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code] : "Sign-in failed. Try again.";
}
