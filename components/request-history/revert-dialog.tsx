"use client";

import { useState } from "react";
import Link from "next/link";
import {
  Alert,
  Badge,
  Button,
  Dialog,
  Field,
  Select,
  Spinner,
  TableBody,
  TableCell,
  TableFrame,
  TableHeader,
  Textarea,
} from "@/components/ui";
import { show } from "@/components/inbox/shared";
import { useRequestRevert, useRevertPlan, type TPlan, type TResolution } from "./queries";

/** What the server calls the record of a create's revert in `seen` and `resolutions`. */
const RECORD_KEY = "LastModifiedDate";

const STATE: Record<
  TPlan["fields"][number]["state"],
  { label: string; tone: "green" | "red" | "gray" }
> = {
  restorable: { label: "will be restored", tone: "green" },
  conflict: { label: "changed since", tone: "red" },
  already_restored: { label: "already back", tone: "gray" },
  already_there: { label: "was already so: not Tollgate's change", tone: "gray" },
};

/**
 * Revert one succeeded write: the plan read from Salesforce now (each field's value before the
 * write, what Tollgate wrote, what is there now), a choice for every field someone changed
 * since (skip it, or overwrite it with a reason), and the reason for the revert. The revert is
 * a new request that waits for approval; the server checks everything again.
 */
export function RevertDialog({
  requestId,
  open,
  onOpenChange,
}: {
  requestId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const plan = useRevertPlan(requestId, open);
  const revert = useRequestRevert(requestId);
  const [reason, setReason] = useState("");
  const [overwriteReason, setOverwriteReason] = useState("");
  const [resolutions, setResolutions] = useState<Record<string, TResolution | "">>({});

  const fields = plan.data?.fields ?? [];
  // a create's revert deletes the record it made: one "field", the record, keyed as the server
  // keys it (its LastModifiedDate is what the write checks)
  const record = plan.data?.kind === "delete" ? plan.data.record : null;
  const conflicts = fields.filter((f) => f.state === "conflict");
  const recordConflict = record?.state === "conflict";
  const overwriting =
    conflicts.some((f) => resolutions[f.field] === "overwrite") ||
    (recordConflict && resolutions[RECORD_KEY] === "overwrite");
  const restoring = record
    ? record.state === "deletable" || (recordConflict && resolutions[RECORD_KEY] === "overwrite")
      ? 1
      : 0
    : fields.filter((f) => f.state === "restorable").length +
      conflicts.filter((f) => resolutions[f.field] === "overwrite").length;

  function close(next: boolean) {
    if (!next) {
      setReason("");
      setOverwriteReason("");
      setResolutions({});
      revert.reset();
    }
    onOpenChange(next);
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const chosen = Object.fromEntries(
      Object.entries(resolutions).filter((entry): entry is [string, TResolution] => !!entry[1]),
    );
    revert.mutate({
      reason,
      resolutions: chosen,
      // what this plan showed: the server refuses if Salesforce moved since
      seen: record
        ? { [RECORD_KEY]: record.lastModified }
        : Object.fromEntries(fields.map((f) => [f.field, f.current])),
      ...(overwriting ? { overwriteReason } : {}),
    });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={close}
      title="Revert this write"
      description="Each field goes back to its value before Tollgate wrote it. The revert is a new request: the write's approvers decide it, and it never overwrites a later edit unless you choose to here."
      size="wide"
    >
      {revert.data ? (
        <div className="space-y-3" data-testid="revert-requested">
          <Alert tone="success">
            Revert{" "}
            <Link className="font-mono underline" href={`/requests/${revert.data.id}`}>
              {revert.data.id}
            </Link>{" "}
            is waiting for approval
            {revert.data.approverRole ? ` by ${revert.data.approverRole.replaceAll("_", " ")}` : ""}
            .
          </Alert>
          <div className="flex justify-end">
            <Button onClick={() => close(false)}>Close</Button>
          </div>
        </div>
      ) : plan.isPending ? (
        <p className="flex items-center gap-2 text-muted">
          <Spinner /> Reading the record from Salesforce…
        </p>
      ) : plan.error ? (
        <Alert tone="error">{plan.error.message}</Alert>
      ) : (
        <form onSubmit={submit} noValidate className="space-y-4">
          {record && plan.data ? (
            <div className="space-y-2" data-testid="revert-delete">
              <p>
                This request created {plan.data.object}{" "}
                <span className="font-mono">{plan.data.recordId}</span>. Its rule lets Tollgate
                revert a create by <strong>deleting that record</strong>.
              </p>
              {record.state === "already_gone" ? (
                <Alert tone="info">
                  The record is gone from Salesforce already: nothing to revert.
                </Alert>
              ) : record.state === "conflict" ? (
                <>
                  <Alert tone="warning">
                    Someone changed the record after Tollgate created it (last modified{" "}
                    {record.lastModified}). Deleting it would throw that work away.
                  </Alert>
                  <Select
                    aria-label="What to do with the record"
                    value={resolutions[RECORD_KEY] ?? ""}
                    onChange={(e) =>
                      setResolutions((r) => ({
                        ...r,
                        [RECORD_KEY]: e.target.value as TResolution | "",
                      }))
                    }
                  >
                    <option value="">Choose…</option>
                    <option value="skip">Keep it</option>
                    <option value="overwrite">Delete it anyway</option>
                  </Select>
                </>
              ) : (
                <Badge tone="green">nobody changed it since: it will be deleted</Badge>
              )}
            </div>
          ) : (
            <TableFrame label="Fields to revert" minWidth="40rem" dense tableClassName="text-xs">
              <TableHeader
                columns={[
                  "Field",
                  "Before the write",
                  "Tollgate wrote",
                  "Salesforce now",
                  "Revert",
                ]}
              />
              <TableBody>
                {fields.map((f) => (
                  <tr key={f.field} className="align-top" data-testid={`revert-field-${f.field}`}>
                    <TableCell className="font-mono">{f.field}</TableCell>
                    <TableCell className="font-medium">{show(f.before)}</TableCell>
                    <TableCell className="text-muted">{show(f.written)}</TableCell>
                    <TableCell>{show(f.current)}</TableCell>
                    <TableCell>
                      {f.state === "conflict" ? (
                        <>
                          <Select
                            aria-label={`What to do with ${f.field}`}
                            value={resolutions[f.field] ?? ""}
                            onChange={(e) =>
                              setResolutions((r) => ({
                                ...r,
                                [f.field]: e.target.value as TResolution | "",
                              }))
                            }
                          >
                            <option value="">Choose…</option>
                            <option value="skip">Skip: keep {show(f.current)}</option>
                            {!f.ownership && (
                              <option value="overwrite">Overwrite with {show(f.before)}</option>
                            )}
                          </Select>
                          {f.ownership && <div className="mt-1 text-muted">{f.ownership}</div>}
                          {f.laterRequestId && (
                            <div className="mt-1 text-muted">
                              written again later by{" "}
                              <Link
                                className="font-mono underline"
                                href={`/requests/${f.laterRequestId}`}
                              >
                                {f.laterRequestId}
                              </Link>
                            </div>
                          )}
                        </>
                      ) : (
                        <Badge tone={STATE[f.state].tone}>{STATE[f.state].label}</Badge>
                      )}
                    </TableCell>
                  </tr>
                ))}
              </TableBody>
            </TableFrame>
          )}
          {conflicts.length > 0 && (
            <Alert tone="warning">
              {conflicts.length === 1 ? "One field was" : `${conflicts.length} fields were`} changed
              in Salesforce after Tollgate wrote it. Choose for each: skip keeps the later edit;
              overwrite replaces it and needs a reason.
            </Alert>
          )}
          <Field label="Why revert it?" error={revert.error?.message ?? null}>
            <Textarea
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder="e.g. the agent moved the stage on a misread call note"
            />
          </Field>
          {overwriting && (
            <Field label="Why may the later edit be overwritten?">
              <Textarea
                rows={2}
                value={overwriteReason}
                onChange={(e) => setOverwriteReason(e.target.value)}
                placeholder="e.g. the rep confirmed the edit was a mistake"
              />
            </Field>
          )}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => close(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant="danger"
              busy={revert.isPending}
              busyLabel="Asking…"
              disabled={restoring === 0}
            >
              {restoring === 0
                ? "Nothing to revert"
                : record
                  ? "Ask to delete the record"
                  : `Ask to revert ${restoring} field${restoring === 1 ? "" : "s"}`}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
