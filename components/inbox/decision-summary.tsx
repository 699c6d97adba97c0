"use client";

import type { TInboxDetail, TInboxItem } from "@/lib/approvals";
import { Badge } from "@/components/ui";
import { formatTime } from "@/components/format";
import { RequestOrigin } from "@/components/request-origin";

const words = (s: string) => s.replaceAll("_", " ").replaceAll(".", " ");

const TONE: Record<string, "green" | "red" | "amber" | "gray" | "blue"> = {
  approved: "green",
  auto_approved: "green",
  succeeded: "green",
  denied: "red",
  failed: "red",
  dead_lettered: "red",
  discarded: "gray",
  expired: "amber",
  halted: "amber",
  retrying: "amber",
  executing: "blue",
  reverted: "gray",
};

/**
 * A request that no longer waits, opened by link: what happened to it — its status, who
 * decided and when, and what execution did — instead of a decision form.
 */
export function DecisionSummary({
  item,
  detail,
}: {
  item: TInboxItem;
  detail: TInboxDetail | null;
}) {
  const status = detail?.status ?? item.status;
  const decisions = detail?.decisions ?? [];
  const history = detail?.history ?? [];
  return (
    <div
      className="mt-4 rounded-lg border border-line bg-slate-50 p-3 text-sm"
      aria-label="What happened"
      role="group"
    >
      <p className="font-medium">
        No longer waiting: <Badge tone={TONE[status] ?? "gray"}>{words(status)}</Badge>
      </p>
      {detail && (
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
          <dt className="text-muted">Decided by</dt>
          <dd>
            {decisions.length ? (
              <ul>
                {decisions.map((d, n) => (
                  <li key={n}>
                    {d.by} {d.decision} it
                    {d.reason ? ` — ${d.reason}` : ""}{" "}
                    <span className="text-xs text-muted">{formatTime(d.at)}</span>
                  </li>
                ))}
              </ul>
            ) : status === "expired" ? (
              "nobody: it expired undecided"
            ) : (
              "no person (see the history below)"
            )}
          </dd>
          <dt className="text-muted">Decided at</dt>
          <dd>
            {formatTime(detail.decidedAt ?? (status === "expired" ? detail.expiresAt : null))}
          </dd>
          {detail.executedAt && (
            <>
              <dt className="text-muted">Executed</dt>
              <dd>
                {formatTime(detail.executedAt)}
                {detail.completedAt ? `, finished ${formatTime(detail.completedAt)}` : ""}
                {detail.resultRecordId ? ` · record ${detail.resultRecordId}` : ""}
              </dd>
            </>
          )}
          {detail.lastErrorMessage && !["succeeded", "approved"].includes(status) && (
            <>
              <dt className="text-muted">Last error</dt>
              <dd className="text-red-800">
                {detail.lastErrorCode ? `${detail.lastErrorCode}: ` : ""}
                {detail.lastErrorMessage}
              </dd>
            </>
          )}
        </dl>
      )}
      {history.length > 0 && (
        <details className="mt-2">
          <summary className="cursor-pointer text-xs text-muted">History</summary>
          <ol className="mt-1 space-y-0.5 text-xs" aria-label="History">
            {history.map((h, n) => (
              <li key={n}>
                <span className="text-muted">{formatTime(h.at)}</span> {words(h.action)} by {h.by}
                {h.reason ? ` — ${h.reason}` : ""}
                <RequestOrigin context={h.context} />
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}
