"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { Alert, Button, Card, Field, Input } from "./ui";

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
