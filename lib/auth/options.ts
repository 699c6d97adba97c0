import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { signInWithPassword } from "./sign-in";

function clientIp(headers: Record<string, unknown> | undefined): string | null {
  const fwd = headers?.["x-forwarded-for"];
  if (typeof fwd === "string" && fwd) return fwd.split(",")[0].trim();
  return null;
}

/**
 * next-auth with email + password. The JWT carries only the user id: roles and groups are
 * read from the database on every request, so a revoked role takes effect at once.
 */
export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        const result = await signInWithPassword(
          String(credentials?.email ?? ""),
          String(credentials?.password ?? ""),
          clientIp(req?.headers as Record<string, unknown> | undefined),
        );
        // next-auth hands a thrown message back to the login form as `error`
        if (!result.ok) throw new Error(result.message);
        return result.user;
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) token.sub = user.id;
      return token;
    },
    async session({ session, token }) {
      if (session.user) (session.user as { id?: string }).id = token.sub;
      return session;
    },
  },
};
