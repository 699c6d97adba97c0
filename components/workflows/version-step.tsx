"use client";

import { useToast } from "@/components/ui";
import { VersionStepDialog } from "@/components/versions/version-step-dialog";
import { nextCanaryStep } from "@/lib/workflows/workflow-schema";
import { useVersionStep, type TStep } from "./queries";

/**
 * Publish as a canary, promote, roll back or discard one version: a dialog asking why (the
 * server insists too). A promotion sends the share it was shown, so a stale page is refused.
 */
export function VersionStep(props: {
  workflowId: string;
  version: { id: string; version: number; rolloutPercent: number };
  step: TStep;
  /** a workflow's first version goes to 100% at once */
  firstVersion?: boolean;
}) {
  const { version: v, step } = props;
  const to = nextCanaryStep(v.rolloutPercent);
  const copy = {
    publish: {
      label: props.firstVersion ? "Publish" : "Publish as canary (5%)",
      title: `Publish version ${v.version}`,
      hint: props.firstVersion
        ? "It takes every account's requests at once (there is no earlier version)."
        : "5% of accounts (sticky) get this version from their next request; the rest stay on the baseline.",
      submit: "Publish",
      done: `Version ${v.version} is published`,
    },
    promote: {
      label: `Promote to ${to}%`,
      title: `Promote version ${v.version} to ${to}%`,
      hint:
        to === 100
          ? "Every account gets this version; the current baseline is retired."
          : `${to}% of accounts get this version; the accounts already on it stay.`,
      submit: `Promote to ${to}%`,
      done: `Version ${v.version} is at ${to}%`,
    },
    rollback: {
      label: "Roll back",
      title: `Roll back version ${v.version}`,
      hint: "The canary is retired; its accounts go back to the baseline from their next request.",
      submit: "Roll back",
      done: `Version ${v.version} is rolled back`,
    },
    discard: {
      label: "Discard draft",
      title: `Discard draft ${v.version}`,
      hint: "The draft is deleted unpublished (the audit trail keeps that it existed).",
      submit: "Discard",
      done: `Draft ${v.version} discarded`,
    },
  }[step];
  const mutation = useVersionStep(props.workflowId, v.id);
  const { toast } = useToast();
  return (
    <VersionStepDialog
      copy={{ ...copy, reasonRequired: step !== "discard" }}
      danger={step === "rollback" || step === "discard"}
      mutation={mutation}
      send={(reason, close) =>
        mutation.mutate(
          { step, reason, from: v.rolloutPercent },
          {
            onSuccess: () => {
              close();
              toast({ tone: "success", title: copy.done });
            },
          },
        )
      }
    />
  );
}
