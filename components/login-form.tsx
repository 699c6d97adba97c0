"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { Alert, Button, Card, Field, Input } from "./ui";

/**
 * Email and password, and — when single sign-on is configured — "Sign in with <provider>",
 * which starts next-auth's OpenID Connect flow (a POST here, then the provider's own page).
 */
export function LoginForm({
  callbackUrl,
  ssoName,
  initialError,
}: {
  callbackUrl: string;
  ssoName: string | null;
  /** a refused single sign-on comes back as /login?error=<code>: its message */
  initialError: string | null;
}) {
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);
  const [leaving, setLeaving] = useState(false);

  async function onSso() {
    setLeaving(true);
    setError(null);
    // next-auth posts to /api/auth/signin/oidc and sends the browser on to the provider
    await signIn("oidc", { callbackUrl: safeCallbackPath(callbackUrl) });
  }

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(e.currentTarget);
    const res = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setBusy(false);
    if (!res || res.error) {
      setError(
        res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong email or password.",
      );
      return;
    }
    // checked again here: this is where the browser is sent
    window.location.assign(safeCallbackPath(callbackUrl));
  }

  return (
    <Card as="div" padding="lg" className="shadow-sm">
      {ssoName && (
        <>
          <Button
            type="button"
            variant="secondary"
            size="lg"
            busy={leaving}
            busyLabel="Redirecting…"
            className="w-full"
            onClick={onSso}
          >
            Sign in with {ssoName}
          </Button>
          <div className="my-4 flex items-center gap-3 text-xs text-muted" aria-hidden="true">
            <span className="h-px flex-1 bg-slate-200" />
            or with a password
            <span className="h-px flex-1 bg-slate-200" />
          </div>
        </>
      )}
      <form onSubmit={onSubmit} className="space-y-4">
        <Field label="Email">
          <Input name="email" type="email" autoComplete="username" required autoFocus />
        </Field>
        <Field label="Password">
          <Input name="password" type="password" autoComplete="current-password" required />
        </Field>
        {error && (
          <Alert tone="error" data-testid="login-error">
            {error}
          </Alert>
        )}
        <Button type="submit" size="lg" busy={busy} busyLabel="Signing in…" className="w-full">
          Sign in
        </Button>
      </form>
    </Card>
  );
}
