"use client";

import { signOut } from "next-auth/react";
import { Button, useHydrated } from "./ui";

export function SignOutButton() {
  const hydrated = useHydrated();
  return (
    <Button
      variant="ghost"
      size="xs"
      className="-ml-2.5"
      disabled={!hydrated}
      onClick={() => signOut({ callbackUrl: "/login" })}
    >
      Sign out
    </Button>
  );
}
