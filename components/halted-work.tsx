"use client";

import { useId, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { THaltedRequest } from "@/lib/execution/dead-letters";
import { Badge, EmptyState, TableFrame } from "./ui";
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
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const res = await sendJson<{ resumed: number }>("/api/internal/halted/resume", "POST", {
        ids: picked,
        reason,
      });
      setMessage(
        `Resumed ${res.resumed} request${res.resumed === 1 ? "" : "s"}: queued to run again.`,
      );
      setSelected(new Set());
      setReason("");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
      // success or not, show what the server holds now (a switch may have been tripped meanwhile)
      reload();
    }
  }

  return (
    <section aria-labelledby={`${id}-heading`} className="mt-10 space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id={`${id}-heading`} className="text-base font-semibold">
            Halted work
          </h2>
          <p className="mt-0.5 max-w-3xl text-xs text-slate-500">
            Approved requests a switch stopped before they ran. They stay halted after the switch is
            reset; resume the ones that should still run.
            {!props.canWrite && " Read-only: only admins resume halted work."}
          </p>
        </div>
        <button
          type="button"
          onClick={reload}
          disabled={reloading}
          className="rounded-md bg-white px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-60"
        >
          {reloading ? "Reloading…" : "Reload list"}
        </button>
      </div>

      {message && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {message}
        </p>
      )}

      {props.rows.length === 0 ? (
        <EmptyState title="No halted work">
          When a tripped switch stops queued approved requests, they wait here.
        </EmptyState>
      ) : (
        <TableFrame
          label="Halted requests"
          minWidth="48rem"
          footer={
            props.total > props.rows.length && (
              <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">
                Showing the {props.rows.length} most recently halted of {props.total}.
              </p>
            )
          }
        >
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              {props.canWrite && (
                <th className="w-10 px-4 py-2">
                  <input
                    type="checkbox"
                    aria-label="Select every request that can resume"
                    checked={allPicked}
                    disabled={resumable.length === 0}
                    onChange={(e) =>
                      setSelected(
                        new Set(e.target.checked ? resumable.map((r) => r.requestId) : []),
                      )
                    }
                    className="h-4 w-4 rounded border-slate-300"
                  />
                </th>
              )}
              <th className="px-4 py-2 font-medium">Request</th>
              <th className="px-4 py-2 font-medium">Agent</th>
              <th className="px-4 py-2 font-medium">Halted</th>
              <th className="px-4 py-2 font-medium">Switch</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {props.rows.map((r) => (
              <tr key={r.requestId} data-testid={`halted-${r.requestId}`} className="align-top">
                {props.canWrite && (
                  <td className="px-4 py-3">
                    <input
                      type="checkbox"
                      aria-label={`Resume ${r.requestId}`}
                      checked={!r.coveredBy && selected.has(r.requestId)}
                      disabled={!!r.coveredBy}
                      onChange={(e) => toggle(r.requestId, e.target.checked)}
                      className="h-4 w-4 rounded border-slate-300 disabled:opacity-40"
                    />
                  </td>
                )}
                <td className="px-4 py-3">
                  <div className="font-mono text-xs">{r.actionType ?? r.object}</div>
                  <div className="text-xs text-slate-500">
                    {r.object} <span className="font-mono">{r.recordId ?? "new record"}</span>
                  </div>
                  <div className="font-mono text-[11px] text-slate-400">{r.requestId}</div>
                </td>
                <td className="px-4 py-3">
                  <div className="font-medium">{r.agent}</div>
                  <div className="text-xs text-slate-500">
                    {r.environment}
                    {r.workflow && ` · ${r.workflow}`}
                  </div>
                </td>
                <td className="whitespace-nowrap px-4 py-3 text-xs text-slate-600">
                  {formatTime(r.haltedAt)}
                </td>
                <td className="px-4 py-3 text-xs">
                  {r.coveredBy ? (
                    <>
                      <Badge tone="red">Held by the {r.coveredBy.label} switch</Badge>
                      {r.coveredBy.reason && (
                        <div className="mt-1 text-slate-500">“{r.coveredBy.reason}”</div>
                      )}
                      <div className="mt-1 text-slate-500">Reset it before resuming.</div>
                    </>
                  ) : (
                    <Badge tone="green">No switch engaged: can resume</Badge>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </TableFrame>
      )}

      {props.canWrite && props.rows.length > 0 && (
        <form
          onSubmit={resume}
          noValidate
          className="space-y-2 rounded-xl border border-slate-200 bg-white p-4"
        >
          <label htmlFor={`${id}-reason`} className="block text-xs font-medium text-slate-700">
            Why resume {picked.length === 1 ? "this request" : "these requests"}?
          </label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            placeholder="e.g. the bad prompt was rolled back; these changes are still wanted"
            className="block w-full max-w-xl rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
          />
          {error && (
            <p
              id={`${id}-error`}
              role="alert"
              className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-700"
            >
              {error}
            </p>
          )}
          <button
            type="submit"
            disabled={busy || picked.length === 0}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-50"
          >
            {busy ? "Resuming…" : `Resume selected (${picked.length})`}
          </button>
        </form>
      )}
    </section>
  );
}
