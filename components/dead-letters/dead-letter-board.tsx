"use client";

import { useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { Alert, Badge, EmptyState, useHydrated } from "@/components/ui";
import { DeadLetterDetail } from "./dead-letter-detail";
import type { TResolved } from "./letter-actions";
import { LetterTable } from "./letter-table";
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
  const hydrated = useHydrated();
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
    <LetterTable
      label={label}
      rows={rows}
      withResolution={withResolution}
      openId={openId}
      now={now}
      onOpen={show}
    />
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
            <span className="ml-2 text-xs text-muted">
              Read-only: only admins and ops owners retry, re-route or discard.
            </span>
          )}
        </p>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={switching ? !props.includeResolved : props.includeResolved}
            disabled={switching || !hydrated}
            onChange={(e) => {
              const next = e.target.checked;
              startSwitch(() =>
                router.replace(next ? "/dead-letters?resolved=1" : "/dead-letters"),
              );
            }}
            className="h-4 w-4 rounded border-control"
          />
          Show resolved
        </label>
      </div>

      {done && <Alert tone="success">{done.message}</Alert>}

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
            <p className="text-sm text-muted">Nothing resolved yet.</p>
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
