"use client";

import { useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { Badge, EmptyState, TableFrame } from "@/components/ui";
import { formatTime } from "@/components/format";
import { DeadLetterDetail } from "./dead-letter-detail";
import { ErrorClassBadge, formatMs, ResolutionBadge } from "./labels";
import type { TResolved } from "./letter-actions";
import { useDeadLetters, type TLetterList, type TLetterRow } from "./queries";
import { RetryPolicyTable } from "./retry-policy-table";

/**
 * The dead-letter queue: open letters (and, when asked, resolved ones) in a table, one opened in
 * a side panel to retry, re-route or discard, and the retry policy that sent them here.
 */
export function DeadLetterBoard(props: {
  initial: TLetterList;
  includeResolved: boolean;
  canWrite: boolean;
  /** the server's clock at render, so ages read the same on the server and in the browser */
  now: string;
}) {
  const router = useRouter();
  const list = useDeadLetters(props.includeResolved, props.initial, props.now);
  const { deadLetters: rows, retryPolicy } = list.data;
  const [openId, setOpenId] = useState<string | null>(null);
  const [done, setDone] = useState<TResolved | null>(null);
  const [switching, startSwitch] = useTransition();
  const opener = useRef<HTMLButtonElement | null>(null);
  const open = rows.filter((r) => !r.resolvedAt);
  const resolved = rows.filter((r) => r.resolvedAt);
  // ages count from when the list was read: the server's render, then each reload
  const now = list.dataUpdatedAt;

  function show(row: TLetterRow, button: HTMLButtonElement | null) {
    opener.current = button;
    setDone(null);
    setOpenId(row.requestId);
  }

  function close() {
    setOpenId(null);
    requestAnimationFrame(() => opener.current?.focus());
  }

  function resolvedOne(result: TResolved) {
    setOpenId(null);
    setDone(result);
  }

  const table = (rows: TLetterRow[], withResolution: boolean, label: string) => (
    <TableFrame label={label} minWidth={withResolution ? "72rem" : "64rem"}>
      <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th className="px-4 py-2 font-medium">Error</th>
          <th className="px-4 py-2 font-medium">Message</th>
          <th className="px-4 py-2 font-medium">Agent</th>
          <th className="px-4 py-2 font-medium">Action</th>
          <th className="px-4 py-2 font-medium">Record</th>
          <th className="px-4 py-2 text-right font-medium">Tries</th>
          <th className="px-4 py-2 text-right font-medium">Age</th>
          {withResolution && <th className="px-4 py-2 font-medium">Resolution</th>}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr
            key={r.id}
            data-testid={`dl-${r.requestId}`}
            onClick={(e) =>
              show(r, e.currentTarget.querySelector<HTMLButtonElement>("button[data-open]"))
            }
            className={`cursor-pointer align-top hover:bg-slate-50 ${openId === r.requestId ? "bg-indigo-50" : ""}`}
          >
            <td className="px-4 py-3">
              <ErrorClassBadge errorClass={r.errorClass} />
              {r.errorCode && (
                <div className="mt-1 font-mono text-[11px] text-slate-500">{r.errorCode}</div>
              )}
            </td>
            <td className="max-w-sm px-4 py-3">
              <button
                type="button"
                data-open
                onClick={(e) => {
                  e.stopPropagation();
                  show(r, e.currentTarget);
                }}
                className="text-left text-slate-800 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
              >
                {r.errorMessage}
                <span className="sr-only"> — open {r.requestId}</span>
              </button>
            </td>
            <td className="whitespace-nowrap px-4 py-3">
              <div className="font-medium">{r.agent}</div>
              <div className="text-xs text-slate-500">{r.environment}</div>
            </td>
            <td className="px-4 py-3 font-mono text-xs">{r.actionType ?? "—"}</td>
            <td className="px-4 py-3 text-xs">
              <div>{r.object}</div>
              <div className="font-mono text-slate-500">{r.recordId ?? "new record"}</div>
            </td>
            <td className="px-4 py-3 text-right tabular-nums">{r.attempts}</td>
            <td
              className="whitespace-nowrap px-4 py-3 text-right text-xs text-slate-600"
              title={formatTime(r.createdAt)}
            >
              {formatMs(Math.max(0, now - new Date(r.createdAt).getTime()))}
            </td>
            {withResolution && (
              <td className="max-w-xs px-4 py-3 text-xs">
                <ResolutionBadge resolution={r.resolution} />
                <div className="mt-1 text-slate-600">
                  by <span className="font-medium">{r.resolvedBy ?? "unknown"}</span>,{" "}
                  {formatTime(r.resolvedAt)}
                </div>
                {r.resolutionReason && <div className="text-slate-500">“{r.resolutionReason}”</div>}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </TableFrame>
  );

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p data-testid="open-count" className="text-sm">
          {open.length ? (
            <Badge tone="red">
              {open.length} open dead letter{open.length === 1 ? "" : "s"}
            </Badge>
          ) : (
            <Badge tone="green">Queue empty</Badge>
          )}
          {!props.canWrite && (
            <span className="ml-2 text-xs text-slate-500">
              Read-only: only admins and ops owners retry, re-route or discard.
            </span>
          )}
        </p>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={switching ? !props.includeResolved : props.includeResolved}
            disabled={switching}
            onChange={(e) => {
              const next = e.target.checked;
              startSwitch(() =>
                router.replace(next ? "/dead-letters?resolved=1" : "/dead-letters"),
              );
            }}
            className="h-4 w-4 rounded border-slate-300"
          />
          Show resolved
        </label>
      </div>

      {done && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {done.message}
        </p>
      )}

      {open.length ? (
        table(open, false, "Open dead letters")
      ) : (
        <EmptyState title="No open dead letters">
          Approved work that Salesforce keeps refusing, or that ran out of tries, waits here for a
          person.
        </EmptyState>
      )}

      {props.includeResolved && (
        <section aria-labelledby="dl-resolved">
          <h2 id="dl-resolved" className="mb-2 text-sm font-semibold">
            Resolved
          </h2>
          {resolved.length ? (
            table(resolved, true, "Resolved dead letters")
          ) : (
            <p className="text-sm text-slate-500">Nothing resolved yet.</p>
          )}
        </section>
      )}

      <RetryPolicyTable rows={retryPolicy} />

      {openId && (
        <DeadLetterDetail
          key={openId}
          requestId={openId}
          canWrite={props.canWrite}
          onClose={close}
          onResolved={resolvedOne}
        />
      )}
    </div>
  );
}
