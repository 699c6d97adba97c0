"use client";

import { useRouter } from "next/navigation";
import { useToast } from "@/components/ui";
import { VersionStepDialog, type TStepCopy } from "@/components/versions/version-step-dialog";
import { useVersionStep, type TVersionStep } from "./queries";

const STEPS: Record<TVersionStep, TStepCopy> = {
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
  const mutation = useVersionStep(props.versionId);
  const router = useRouter();
  const { toast } = useToast();
  return (
    <VersionStepDialog
      copy={STEPS[props.step]}
      danger={props.step === "discard"}
      mutation={mutation}
      disabledReason={props.disabledReason}
      send={(reason, close) =>
        mutation.mutate(
          {
            step: props.step,
            reason,
            expectedActiveVersion: props.activeVersion,
            draftUpdatedAt: props.draftUpdatedAt,
          },
          {
            onSuccess: (res) => {
              close();
              toast({
                tone: "success",
                title:
                  props.step === "discard"
                    ? `Version ${res.version.version} discarded`
                    : `Version ${res.version.version} is now active`,
              });
              router.push(
                props.step === "discard" ? "/policy" : `/policy/versions/${res.version.id}`,
              );
              router.refresh();
            },
          },
        )
      }
    />
  );
}
