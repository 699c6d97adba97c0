"use client";

import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Dialog, useHydrated } from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";
import { show } from "@/components/inbox/shared";
import { BackoutItems } from "./backout-items";
import {
  backoutKeys,
  BackoutStatusBadge,
  isLive,
  plural,
  ProgressBar,
  selectionText,
  type TBackout,
  type TItemPage,
} from "./shared";

type TAction = "start" | "pause" | "resume" | "cancel";

/**
 * One backout: what it selects and why, the dry run's figures, the buttons this person may use
 * (start and resume by someone other than the planner), the progress — read again every second
 * while it runs or is paused — and its items below.
 */
export function BackoutDetail({ initial }: { initial: TBackout }) {
  const hydrated = useHydrated();
  const client = useQueryClient();
  const id = initial.id;
  const backout = useQuery({
    queryKey: backoutKeys.one(id),
    queryFn: () => sendJson<TBackout>(`/api/internal/backouts/${encodeURIComponent(id)}`),
    initialData: initial,
    // every second while it moves; a planned one now and then, to see another person start it
    refetchInterval: (q) =>
      !q.state.data
        ? false
        : isLive(q.state.data.status)
          ? 1_000
          : q.state.data.status === "planned"
            ? 10_000
            : false,
  });
  const b = backout.data;
  // the items' revert statuses move with the backout: read them again when its status changes
  useEffect(() => {
    void client.invalidateQueries({ queryKey: [...backoutKeys.one(id), "items"] });
  }, [b.status, client, id]);
  const [confirm, setConfirm] = useState<TAction | null>(null);
  const act = useMutation({
    mutationFn: (action: TAction) =>
      sendJson(`/api/internal/backouts/${encodeURIComponent(id)}/${action}`, "POST", {}),
    onSuccess: () => setConfirm(null),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: backoutKeys.one(id) });
      void client.invalidateQueries({ queryKey: backoutKeys.list, exact: true });
    },
  });
  const p = b.progress;
  const plan = b.plan;
  const resumeBlocked =
    b.status === "paused" && !b.can.resume
      ? "Another person with the right role resumes it (not the planner)"
      : null;

  return (
    <div className="space-y-4">
      <Card padding="md" aria-labelledby="bo-selection">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 space-y-1">
            <div className="flex items-center gap-2">
              <BackoutStatusBadge status={b.status} />
              <h2 id="bo-selection" className="text-sm font-semibold">
                {selectionText(b)}
              </h2>
            </div>
            <p className="text-sm">{b.reason}</p>
            <p className="text-xs text-muted">
              Planned by {b.createdBy.name}, {formatTime(b.plannedAt)}
              {b.startedBy && ` · started by ${b.startedBy.name}, ${formatTime(b.startedAt)}`}
              {b.pausedAt && ` · paused ${formatTime(b.pausedAt)}`}
              {b.finishedAt && ` · ${b.status} ${formatTime(b.finishedAt)}`}
            </p>
          </div>
          <div className="flex flex-wrap items-center gap-2" data-testid="bo-actions">
            {b.status === "planned" && (
              <Button
                disabled={!hydrated || !!b.startBlocked}
                aria-describedby={b.startBlocked ? "bo-start-blocked" : undefined}
                onClick={() => setConfirm("start")}
              >
                Start…
              </Button>
            )}
            {b.can.pause && (
              <Button
                variant="secondary"
                disabled={!hydrated}
                busy={act.isPending && act.variables === "pause"}
                onClick={() => act.mutate("pause")}
              >
                Pause
              </Button>
            )}
            {b.status === "paused" && (
              <Button
                disabled={!hydrated || !b.can.resume}
                aria-describedby={resumeBlocked ? "bo-start-blocked" : undefined}
                busy={act.isPending && act.variables === "resume"}
                onClick={() => act.mutate("resume")}
              >
                Resume
              </Button>
            )}
            {b.can.cancel && (
              <Button
                variant="danger-outline"
                disabled={!hydrated}
                onClick={() => setConfirm("cancel")}
              >
                Cancel…
              </Button>
            )}
          </div>
        </div>
        {((b.status === "planned" && b.startBlocked) || resumeBlocked) && (
          <p id="bo-start-blocked" className="mt-2 text-right text-xs text-muted">
            {b.status === "planned" ? b.startBlocked : resumeBlocked}
          </p>
        )}
        {act.error && !confirm && (
          <Alert tone="error" size="sm" className="mt-3">
            {act.error.message}
          </Alert>
        )}
      </Card>

      <Card padding="md" aria-labelledby="bo-plan">
        <h2 id="bo-plan" className="text-sm font-semibold">
          The dry run
        </h2>
        <p className="mt-1 text-xs text-muted">
          {plural(plan.requests, "request")} on {plural(plan.records, "record")}, read from
          Salesforce {formatTime(b.plannedAt)}.
        </p>
        <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid="bo-plan">
          <Figure label="Fields to restore" value={plan.restorable} testId="plan-restorable" />
          <Figure
            label="Conflicts"
            value={plan.conflicts}
            testId="plan-conflicts"
            tone={plan.conflicts ? "red" : undefined}
          />
          <Figure label="Already restored" value={plan.alreadyRestored} testId="plan-restored" />
          <Figure label="Already there" value={plan.alreadyThere} testId="plan-there" />
          <Figure
            label="Listed for a person"
            value={plan.notRevertible}
            testId="plan-person"
            tone={plan.notRevertible ? "amber" : undefined}
          />
        </dl>
      </Card>

      {p && (
        <Card padding="md" aria-labelledby="bo-progress" aria-live="polite">
          <h2 id="bo-progress" className="text-sm font-semibold">
            Progress
          </h2>
          <ProgressBar progress={p} className="mt-3 h-3" />
          <dl className="mt-3 grid grid-cols-3 gap-3 sm:grid-cols-6" data-testid="bo-progress">
            <Figure label="Restored" value={p.done} testId="progress-done" of={p.restorable} />
            <Figure
              label="Conflicts"
              value={p.conflicts}
              testId="progress-conflicts"
              tone={p.conflicts ? "amber" : undefined}
            />
            <Figure
              label="Failed"
              value={p.failed}
              testId="progress-failed"
              tone={p.failed ? "red" : undefined}
            />
            <Figure label="In flight" value={p.inFlight} testId="progress-in-flight" />
            <Figure label="Halted" value={p.halted} testId="progress-halted" />
            <Figure label="Waiting" value={p.waiting} testId="progress-waiting" />
          </dl>
        </Card>
      )}

      <BackoutItems backout={b} />

      <StartDialog
        backout={b}
        open={confirm === "start"}
        onOpenChange={(o) => setConfirm(o ? "start" : null)}
        busy={act.isPending}
        error={act.error?.message ?? null}
        onConfirm={() => act.mutate("start")}
      />
      <Dialog
        open={confirm === "cancel"}
        onOpenChange={(o) => setConfirm(o ? "cancel" : null)}
        role="alertdialog"
        title="Cancel this backout?"
        description={
          b.status === "paused"
            ? "The reverts not written yet are discarded. What was already restored stays restored."
            : "Nothing has been written; the plan is kept for the record."
        }
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirm(null)}>
              Keep it
            </Button>
            <Button variant="danger" busy={act.isPending} onClick={() => act.mutate("cancel")}>
              Cancel the backout
            </Button>
          </>
        }
      >
        {act.error && (
          <Alert tone="error" size="sm">
            {act.error.message}
          </Alert>
        )}
      </Dialog>
    </div>
  );
}

function Figure({
  label,
  value,
  of,
  testId,
  tone,
}: {
  label: string;
  value: number;
  of?: number;
  testId: string;
  tone?: "red" | "amber";
}) {
  return (
    <div className="rounded-md bg-slate-50 px-3 py-2">
      <dt className="text-xs text-muted">{label}</dt>
      <dd
        data-testid={testId}
        className={
          "text-lg font-semibold tabular-nums " +
          (tone === "red" ? "text-red-700" : tone === "amber" ? "text-amber-800" : "")
        }
      >
        {value}
        {of !== undefined && <span className="text-sm font-normal text-muted"> of {of}</span>}
      </dd>
    </div>
  );
}

/**
 * "Start": what will be written, in words and by example (the first fields to restore), before
 * the person who starts it approves every revert in it at once.
 */
function StartDialog({
  backout: b,
  open,
  onOpenChange,
  busy,
  error,
  onConfirm,
}: {
  backout: TBackout;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
}) {
  const sample = useQuery({
    queryKey: [...backoutKeys.items(b.id, "restorable"), "sample"],
    queryFn: () =>
      sendJson<TItemPage>(
        `/api/internal/backouts/${encodeURIComponent(b.id)}/items?state=restorable&limit=5`,
      ),
    enabled: open,
  });
  const n = b.plan.restorable;
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      role="alertdialog"
      size="wide"
      title="Start this backout?"
      description={`Tollgate will write ${n} field${n === 1 ? "" : "s"} in ${b.environment.name} back to the value each held before these writes, one revert request per record, approved by you. A field found changed at the write is not overwritten: it counts as a conflict.${b.plan.conflicts ? ` The dry run's ${plural(b.plan.conflicts, "conflict")} ${b.plan.conflicts === 1 ? "is" : "are"} left as ${b.plan.conflicts === 1 ? "it is" : "they are"}.` : ""}`}
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Not now
          </Button>
          <Button busy={busy} onClick={onConfirm}>
            Start: restore {n} field{n === 1 ? "" : "s"}
          </Button>
        </>
      }
    >
      <div data-testid="bo-start-sample">
        <p className="text-xs font-medium text-slate-700">
          What it writes{n > 5 ? ` (the first 5 of ${n})` : ""}:
        </p>
        {sample.isPending ? (
          <p className="mt-1 text-xs text-muted">Loading…</p>
        ) : sample.error ? (
          <Alert tone="error" size="sm" className="mt-1">
            {sample.error.message}
          </Alert>
        ) : (
          <ul className="mt-1 space-y-1 text-xs">
            {sample.data.items.map((i) => (
              <li key={i.id}>
                <span className="font-medium">{i.recordName ?? `${i.object} ${i.recordId}`}</span>{" "}
                <span className="font-mono">{i.field}</span>: {show(i.written)} →{" "}
                <strong>{show(i.before)}</strong>
              </li>
            ))}
          </ul>
        )}
      </div>
      {error && (
        <Alert tone="error" size="sm" className="mt-3">
          {error}
        </Alert>
      )}
    </Dialog>
  );
}
