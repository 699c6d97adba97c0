"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ROLE_LABELS, ROLES, type TRole } from "@/lib/auth/permissions";
import { ZUserRolesInput } from "@/lib/users/user-roles-input";
import { Alert, Button, Dialog, useAction } from "./ui";
import { sendJson } from "./send-json";

/**
 * "Edit roles" for one person (admins): the roles held in every environment, as checkboxes.
 * The same zod schema as the route checks the choice before it is sent.
 */
export function UserRolesEditor({
  user,
  roles,
}: {
  user: { id: string; name: string };
  roles: string[];
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<Set<TRole>>(new Set());
  const { busy, error, run, setError } = useAction();

  function start() {
    setPicked(new Set(roles.filter((r): r is TRole => (ROLES as readonly string[]).includes(r))));
    setError(null);
    setOpen(true);
  }

  async function save() {
    const body = { roles: ROLES.filter((r) => picked.has(r)) };
    const checked = ZUserRolesInput.safeParse(body);
    if (!checked.success) return setError(checked.error.issues[0]?.message ?? "Invalid roles");
    const ok = await run(async () => {
      await sendJson(`/api/internal/users/${user.id}/roles`, "POST", checked.data);
      router.refresh();
    });
    if (ok) setOpen(false);
  }

  return (
    <>
      <Button variant="secondary" size="xs" onClick={start}>
        Edit roles<span className="sr-only"> of {user.name}</span>
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={`Roles of ${user.name}`}
        description="Held in every environment. People who sign in through SSO with a roles claim get the claim's roles again at their next sign-in."
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button busy={busy} busyLabel="Saving…" onClick={() => void save()}>
              Save roles
            </Button>
          </>
        }
      >
        <fieldset className="space-y-2">
          <legend className="sr-only">Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="flex items-center gap-2">
              <input
                type="checkbox"
                className="h-4 w-4 rounded border-control"
                checked={picked.has(r)}
                onChange={(e) => {
                  const next = new Set(picked);
                  if (e.target.checked) next.add(r);
                  else next.delete(r);
                  setPicked(next);
                }}
              />
              {ROLE_LABELS[r]}
            </label>
          ))}
        </fieldset>
        {error && (
          <Alert tone="error" className="mt-3" data-testid="roles-error">
            {error}
          </Alert>
        )}
      </Dialog>
    </>
  );
}
