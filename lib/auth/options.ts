import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { sameOriginRedirect } from "./callback-url";
import { OIDC_PROVIDER_ID, oidcConfig, oidcProvider } from "./oidc";
import { signInWithPassword } from "./sign-in";
import { signInWithOidc } from "./sso-sign-in";
import { clientAddress } from "./throttle";
import {
  createUserSession,
  findLiveSession,
  revokeUserSession,
  SESSION_ENDED,
  SESSION_MAX_AGE_S,
} from "./user-sessions";
import { env } from "@/lib/env";

function header(headers: unknown, name: string): string | null {
  const v = (headers as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v : null;
}

/** The client address of the request being handled (next-auth's OAuth callbacks get no req). */
async function requestAddress(): Promise<string | null> {
  try {
    const h = await headers();
    return clientAddress(h.get("x-forwarded-for"), env().TOLLGATE_TRUST_PROXY);
  } catch {
    return null; // outside a request (next-auth's handler driven directly)
  }
}

const oidc = oidcConfig();

/**
 * next-auth with email + password, and single sign-on through OpenID Connect when OIDC_* are
 * set (oidc.ts, sso-sign-in.ts). The JWT carries the user id and the id of a server-side
 * session row (`sid`): every read of the session checks that row, so signing out (which
 * revokes it) ends the session for every copy of the cookie. Roles and groups are read from
 * the database on every request, so a revoked role or a disabled account takes effect at once.
 */
export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  // OAuth errors (a state or PKCE mismatch, a refused SSO) come back to the sign-in page
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        const ip = clientAddress(
          header(req?.headers, "x-forwarded-for"),
          env().TOLLGATE_TRUST_PROXY,
        );
        const result = await signInWithPassword(
          String(credentials?.email ?? ""),
          String(credentials?.password ?? ""),
          ip,
        );
        // next-auth hands a thrown message back to the login form as `error`
        if (!result.ok) throw new Error(result.message);
        const sid = await createUserSession(result.user.id, ip);
        return { ...result.user, sid };
      },
    }),
    ...(oidc ? [oidcProvider(oidc)] : []),
  ],
  callbacks: {
    async signIn({ user, account, profile }) {
      if (account?.provider !== OIDC_PROVIDER_ID) return true;
      const result = await signInWithOidc(
        (profile ?? {}) as Record<string, unknown>,
        await requestAddress(),
        oidc,
      );
      if (!result.ok) return `/login?error=${result.code}`;
      // next-auth hands this same object to the jwt callback: the Tollgate user and session
      Object.assign(user, { ...result.user, sid: result.sid });
      return true;
    },
    async jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.sid = (user as { sid?: string }).sid;
        return token;
      }
      // next-auth clears the cookie and answers an empty session when this throws
      const sid = typeof token.sid === "string" ? token.sid : "";
      if (!sid || !token.sub || !(await findLiveSession(sid, token.sub))) {
        throw new Error(SESSION_ENDED);
      }
      return token;
    },
    async session({ session, token }) {
      if (session.user) Object.assign(session.user, { id: token.sub, sid: token.sid });
      return session;
    },
    async redirect({ url, baseUrl }) {
      return sameOriginRedirect(url, baseUrl);
    },
  },
  events: {
    async signOut({ token }) {
      if (typeof token?.sid === "string") await revokeUserSession(token.sid);
    },
  },
  logger: {
    error(code, metadata) {
      // a signed-out or expired session is expected, not an error worth a stack trace
      const message = (metadata as { message?: string } | undefined)?.message;
      if (code === "JWT_SESSION_ERROR" && message === SESSION_ENDED) return;
      console.error(`[next-auth][error][${code}]`, metadata);
    },
    warn(code) {
      console.warn(`[next-auth][warn][${code}]`);
    },
    debug() {},
  },
};
