import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getCurrentUser, safeCallbackPath } from "@/lib/auth";
import { oidcConfig } from "@/lib/auth/oidc";
import { signInErrorMessage } from "@/lib/auth/sign-in-errors";
import { LoginForm } from "@/components/login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }>;
}) {
  const { callbackUrl, error } = await searchParams;
  // only a path on this site: `/\evil.example` (a `/%5Cevil.example` link) would leave it
  const safe = safeCallbackPath(callbackUrl);
  if (await getCurrentUser()) redirect(safe);
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <div className="text-2xl font-semibold tracking-tight">Tollgate</div>
          <p className="mt-1 text-sm text-muted">Every agent write goes through here first.</p>
        </div>
        <LoginForm
          callbackUrl={safe}
          ssoName={oidcConfig()?.name ?? null}
          initialError={signInErrorMessage(error)}
        />
      </div>
    </main>
  );
}
