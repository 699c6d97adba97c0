"use client";

import { useId, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { THaltedRequest } from "@/lib/execution/dead-letters";
import { Alert, Badge, Button, Card, EmptyState, Field, Table, Textarea, useAction } from "./ui";
import { formatTime } from "./format";
import { sendJson } from "./send-json";

export type THaltedRow = Omit<THaltedRequest, "requestedAt" | "haltedAt"> & {
  requestedAt: string;
  haltedAt: string | null;
};

/**
 * Requests a kill switch halted. Resetting a switch does not restart them: a person picks the
 * ones that should still run and resumes them with a reason. One still covered by an engaged
 * switch cannot be picked (the server would refuse the whole batch).
 */
export function HaltedWork(props: { rows: THaltedRow[]; total: number; canWrite: boolean }) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const [reloading, startReload] = useTransition();
  const id = useId();

  const resumable = props.rows.filter((r) => !r.coveredBy);
  // a refresh may have taken rows away or put them under a switch: only what is still pickable
  const picked = resumable.filter((r) => selected.has(r.requestId)).map((r) => r.requestId);
  const allPicked = resumable.length > 0 && picked.length === resumable.length;

  function toggle(requestId: string, on: boolean) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(requestId);
      else next.delete(requestId);
      return next;
    });
  }

  function reload() {
    startReload(() => router.refresh());
  }

  async function resume(e: React.FormEvent) {
    e.preventDefault();
    setMessage(null);
    await run(async () => {
      const res = await sendJson<{
        resumed: number;
        returnedToApproval: string[];
        expired: string[];
      }>("/api/internal/halted/resume", "POST", { ids: picked, reason });
      const plural = (n: number) => `${n} request${n === 1 ? "" : "s"}`;
      setMessage(
        [
          `Resumed ${plural(res.resumed)}: queued to run again.`,
          res.returnedToApproval.length &&
            `${plural(res.returnedToApproval.length)} went back to approval instead: the agent may no longer write what Tollgate approved on its own.`,
          res.expired.length &&
            `${plural(res.expired.length)} expired instead: the agent is in observe or retired.`,
        ]
          .filter(Boolean)
          .join(" "),
      );
      setSelected(new Set());
      setReason("");
    });
    // success or not, show what the server holds now (a switch may have been tripped meanwhile)
    reload();
  }

  return (
    <section aria-labelledby={`${id}-heading`} className="mt-10 space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id={`${id}-heading`} className="text-base font-semibold">
            Halted work
          </h2>
          <p className="mt-0.5 max-w-3xl text-xs text-muted">
            Approved requests a switch stopped before they ran. They stay halted after the switch is
            reset; resume the ones that should still run.
            {!props.canWrite && " Read-only: only admins resume halted work."}
          </p>
        </div>
        <Button variant="secondary" onClick={reload} busy={reloading} busyLabel="Reloading…">
          Reload list
        </Button>
      </div>

      {message && <Alert tone="success">{message}</Alert>}

      {props.rows.length === 0 ? (
        <EmptyState title="No halted work">
          When a tripped switch stops queued approved requests, they wait here.
        </EmptyState>
      ) : (
        <Table.Frame
          label="Halted requests"
          minWidth="48rem"
          footer={
            props.total > props.rows.length && (
              <p className="border-t border-slate-100 px-4 py-2 text-xs text-muted">
                Showing the {props.rows.length} most recently halted of {props.total}.
              </p>
            )
          }
        >
          <Table.Header columns={["Request", "Agent", "Halted", "Switch"]}>
            {props.canWrite && (
              <Table.Head className="w-10">
                <input
                  type="checkbox"
                  aria-label="Select every request that can resume"
                  checked={allPicked}
                  disabled={resumable.length === 0}
                  onChange={(e) =>
                    setSelected(new Set(e.target.checked ? resumable.map((r) => r.requestId) : []))
                  }
                  className="h-4 w-4 rounded border-control"
                />
              </Table.Head>
            )}
          </Table.Header>
          <Table.Body>
            {props.rows.map((r) => (
              <tr key={r.requestId} data-testid={`halted-${r.requestId}`} className="align-top">
                {props.canWrite && (
                  <Table.Cell>
                    <input
                      type="checkbox"
                      aria-label={`Resume ${r.requestId}`}
                      checked={!r.coveredBy && selected.has(r.requestId)}
                      disabled={!!r.coveredBy}
                      onChange={(e) => toggle(r.requestId, e.target.checked)}
                      className="h-4 w-4 rounded border-control disabled:opacity-40"
                    />
                  </Table.Cell>
                )}
                <Table.Cell>
                  <div className="font-mono text-xs">{r.actionType ?? r.object}</div>
                  <div className="text-xs text-muted">
                    {r.object} <span className="font-mono">{r.recordId ?? "new record"}</span>
                  </div>
                  <div className="font-mono text-[11px] text-muted">{r.requestId}</div>
                </Table.Cell>
                <Table.Cell>
                  <div className="font-medium">{r.agent}</div>
                  <div className="text-xs text-muted">
                    {r.environment}
                    {r.workflow && ` · ${r.workflow}`}
                  </div>
                </Table.Cell>
                <Table.Cell className="whitespace-nowrap text-xs text-muted">
                  {formatTime(r.haltedAt)}
                </Table.Cell>
                <Table.Cell className="text-xs">
                  {r.coveredBy ? (
                    <>
                      <Badge tone="red">Held by the {r.coveredBy.label} switch</Badge>
                      {r.coveredBy.reason && (
                        <div className="mt-1 text-muted">“{r.coveredBy.reason}”</div>
                      )}
                      <div className="mt-1 text-muted">Reset it before resuming.</div>
                    </>
                  ) : (
                    <Badge tone="green">No switch engaged: can resume</Badge>
                  )}
                </Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}

      {props.canWrite && props.rows.length > 0 && (
        <Card as="div" padding="sm">
          <form onSubmit={resume} noValidate className="space-y-2">
            <Field
              id={id}
              label={`Why resume ${picked.length === 1 ? "this request" : "these requests"}?`}
              error={error}
              className="max-w-xl"
            >
              <Textarea
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="e.g. the bad prompt was rolled back; these changes are still wanted"
              />
            </Field>
            <Button type="submit" busy={busy} busyLabel="Resuming…" disabled={picked.length === 0}>
              {`Resume selected (${picked.length})`}
            </Button>
          </form>
        </Card>
      )}
    </section>
  );
}
