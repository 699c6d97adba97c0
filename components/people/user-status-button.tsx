"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ZUserStatusInput } from "@/lib/users/user-input";
import { Alert, Button, Dialog, Field, Input, useAction } from "@/components/ui";
import { sendJson } from "@/components/send-json";

/**
 * Deactivate (every session ends at once; no sign-in, no decisions) or reactivate a person,
 * with a reason. The server refuses the last active admin and yourself.
 */
export function UserStatusButton({ user }: { user: { id: string; name: string; status: string } }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const { busy, error, run, setError } = useAction();
  const deactivate = user.status === "active";
  const verb = deactivate ? "Deactivate" : "Reactivate";

  async function save() {
    const checked = ZUserStatusInput.safeParse({
      status: deactivate ? "disabled" : "active",
      reason,
    });
    if (!checked.success) return setError(checked.error.issues[0]?.message ?? "Invalid");
    const ok = await run(async () => {
      await sendJson(`/api/internal/users/${user.id}/status`, "POST", checked.data);
      router.refresh();
    });
    if (ok) setOpen(false);
  }

  return (
    <>
      <Button
        variant="secondary"
        size="xs"
        onClick={() => {
          setReason("");
          setError(null);
          setOpen(true);
        }}
      >
        {verb}
        <span className="sr-only"> {user.name}</span>
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={`${verb} ${user.name}`}
        description={
          deactivate
            ? "Their sessions end now; they cannot sign in or decide anything until reactivated."
            : "They can sign in again with their password or through single sign-on."
        }
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              variant={deactivate ? "danger" : "primary"}
              busy={busy}
              busyLabel="Saving…"
              onClick={() => void save()}
            >
              {verb}
            </Button>
          </>
        }
      >
        <Field label="Reason">
          <Input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        {error && (
          <Alert tone="error" className="mt-3" data-testid="status-error">
            {error}
          </Alert>
        )}
      </Dialog>
    </>
  );
}
