"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ROLE_LABELS, ROLES, type TRole } from "@/lib/auth/permissions";
import { ZInviteUserInput } from "@/lib/users/user-input";
import { Alert, Button, Dialog, Field, Input, Select, useAction } from "@/components/ui";
import { sendJson } from "@/components/send-json";

type TInvited = { user: { name: string; email: string }; password: string | null };

/**
 * "Invite a person" (admins): name, email, roles and how they sign in. A password invite shows
 * the initial password once, here; nothing else ever shows it again.
 */
export function InviteUser({ ssoConfigured }: { ssoConfigured: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [roles, setRoles] = useState<Set<TRole>>(new Set(["approver"]));
  const [signIn, setSignIn] = useState<"password" | "sso">("password");
  const [reason, setReason] = useState("");
  const [invited, setInvited] = useState<TInvited | null>(null);
  const { busy, error, run, setError } = useAction();

  function start() {
    setName("");
    setEmail("");
    setRoles(new Set(["approver"]));
    setSignIn("password");
    setReason("");
    setInvited(null);
    setError(null);
    setOpen(true);
  }

  async function save() {
    const checked = ZInviteUserInput.safeParse({
      name,
      email,
      roles: ROLES.filter((r) => roles.has(r)),
      signIn,
      reason: reason || undefined,
    });
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return setError(`${issue?.path.join(".") || "Invite"}: ${issue?.message ?? "invalid"}`);
    }
    await run(async () => {
      setInvited(await sendJson<TInvited>("/api/internal/users", "POST", checked.data));
      router.refresh();
    });
  }

  return (
    <>
      <Button onClick={start}>Invite a person</Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={invited ? `${invited.user.name} is invited` : "Invite a person"}
        description={
          invited
            ? undefined
            : "They get these roles in every environment. Add them to approver groups on the Approver groups page."
        }
        footer={
          invited ? (
            <Button onClick={() => setOpen(false)}>Done</Button>
          ) : (
            <>
              <Button variant="secondary" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button busy={busy} busyLabel="Inviting…" onClick={() => void save()}>
                Invite
              </Button>
            </>
          )
        }
      >
        {invited ? (
          invited.password ? (
            <div className="space-y-3" data-testid="invite-password">
              <p>
                Give {invited.user.name} this initial password to sign in as{" "}
                <strong>{invited.user.email}</strong>. It is shown only now.
              </p>
              <code className="block break-all rounded-md bg-slate-100 p-3 font-mono text-sm">
                {invited.password}
              </code>
            </div>
          ) : (
            <p>
              {invited.user.name} signs in through single sign-on as{" "}
              <strong>{invited.user.email}</strong>.
            </p>
          )
        ) : (
          <div className="space-y-3">
            <Field label="Name">
              <Input value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label="Email">
              <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
            </Field>
            <fieldset className="space-y-1">
              <legend className="text-xs font-medium text-slate-700">Roles</legend>
              <div className="grid grid-cols-2 gap-1">
                {ROLES.map((r) => (
                  <label key={r} className="flex items-center gap-2 text-sm">
                    <input
                      type="checkbox"
                      className="h-4 w-4 rounded border-control"
                      checked={roles.has(r)}
                      onChange={(e) => {
                        const next = new Set(roles);
                        if (e.target.checked) next.add(r);
                        else next.delete(r);
                        setRoles(next);
                      }}
                    />
                    {ROLE_LABELS[r]}
                  </label>
                ))}
              </div>
            </fieldset>
            <Field
              label="Signs in with"
              hint={
                signIn === "password"
                  ? "An initial password, shown to you once to hand over."
                  : "Single sign-on: their first sign-in finds this account by email."
              }
            >
              <Select
                value={signIn}
                onChange={(e) => setSignIn(e.target.value as "password" | "sso")}
              >
                <option value="password">Password</option>
                <option value="sso" disabled={!ssoConfigured}>
                  Single sign-on{ssoConfigured ? "" : " (not configured)"}
                </option>
              </Select>
            </Field>
            <Field label="Reason (optional)">
              <Input value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
          </div>
        )}
        {error && (
          <Alert tone="error" className="mt-3" data-testid="invite-error">
            {error}
          </Alert>
        )}
      </Dialog>
    </>
  );
}
