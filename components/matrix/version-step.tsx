"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button, Dialog, Field, Textarea, useToast } from "@/components/ui";
import { useVersionStep, type TVersionStep } from "./queries";

const STEPS: Record<
  TVersionStep,
  { label: string; title: string; hint: string; submit: string; reasonRequired: boolean }
> = {
  publish: {
    label: "Publish",
    title: "Publish this draft",
    hint: "It becomes the active matrix on every instance within a second; the active version is superseded.",
    submit: "Publish draft",
    reasonRequired: true,
  },
  rollback: {
    label: "Roll back to this version",
    title: "Roll back to this version",
    hint: "A new active version copies this one's rules; the current version is superseded.",
    submit: "Roll back",
    reasonRequired: true,
  },
  discard: {
    label: "Discard draft",
    title: "Discard this draft",
    hint: "Nothing is published; the draft stays in the history as discarded.",
    submit: "Discard draft",
    reasonRequired: false,
  },
};

/** Publish, roll back or discard, each with the reason it is asked for (the server insists too). */
export function VersionStep(props: {
  versionId: string;
  step: TVersionStep;
  /** the active version the person saw the diff against: if it changed, the server refuses */
  activeVersion: number | null;
  /** the draft as shown (publish only): edited by someone since → the server refuses */
  draftUpdatedAt?: string;
  disabledReason?: string | null;
}) {
  const s = STEPS[props.step];
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const mutation = useVersionStep(props.versionId);
  const router = useRouter();
  const { toast } = useToast();

  function submit(e: React.FormEvent) {
    e.preventDefault();
    mutation.mutate(
      {
        step: props.step,
        reason,
        expectedActiveVersion: props.activeVersion,
        draftUpdatedAt: props.draftUpdatedAt,
      },
      {
        onSuccess: (res) => {
          setOpen(false);
          toast({
            tone: "success",
            title:
              props.step === "discard"
                ? `Version ${res.version.version} discarded`
                : `Version ${res.version.version} is now active`,
          });
          router.push(props.step === "discard" ? "/policy" : `/policy/versions/${res.version.id}`);
          router.refresh();
        },
      },
    );
  }

  return (
    <>
      <Button
        variant={props.step === "discard" ? "danger-outline" : "primary"}
        disabled={!!props.disabledReason}
        title={props.disabledReason ?? undefined}
        onClick={() => {
          mutation.reset();
          setReason("");
          setOpen(true);
        }}
      >
        {s.label}
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={s.title}
        description={s.hint}
        role={props.step === "discard" ? "alertdialog" : "dialog"}
      >
        <form onSubmit={submit} noValidate className="space-y-3">
          <Field
            label={s.reasonRequired ? "Why?" : "Why? (optional)"}
            error={mutation.error?.message}
          >
            <Textarea
              autoFocus
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </Field>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant={props.step === "discard" ? "danger" : "primary"}
              busy={mutation.isPending}
              busyLabel="Working…"
            >
              {s.submit}
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
