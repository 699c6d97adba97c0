"use client";

import type { TInboxItem } from "@/lib/approvals";
import { Badge, Button } from "@/components/ui";
import { RecordFactsLine } from "./record-facts";
import { recordLabel, RISK_TONE, show, SlaCountdown } from "./shared";

/**
 * The waiting requests, riskiest first: each named by its record, with its risk, flags, the
 * change in one line and its SLA. A click opens one; the boxes select for the bulk bar.
 */
export function RequestList({
  items,
  activeId,
  selected,
  now,
  listRef,
  onOpen,
  onToggle,
  onSelectAll,
  loadMore,
  loadingMore = false,
}: {
  items: TInboxItem[];
  activeId: string | null;
  selected: ReadonlySet<string>;
  now: number | null;
  listRef: React.Ref<HTMLUListElement>;
  onOpen: (id: string) => void;
  onToggle: (id: string) => void;
  onSelectAll: (all: boolean) => void;
  /** the next page, when there is one */
  loadMore?: () => void;
  loadingMore?: boolean;
}) {
  return (
    <>
      <div className="mb-2 flex items-center gap-2 text-xs text-muted">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            aria-label="Select all shown"
            checked={selected.size > 0 && items.every((i) => selected.has(i.id))}
            onChange={(e) => onSelectAll(e.target.checked)}
          />
          Select all {items.length} shown
        </label>
      </div>
      <ul
        ref={listRef}
        className="max-h-[70vh] space-y-2 overflow-y-auto pr-1"
        aria-label="Waiting requests"
      >
        {items.map((i) => (
          <li key={i.id} data-id={i.id}>
            <div
              className={`flex gap-2 rounded-lg border p-3 text-sm ${i.id === activeId ? "border-sky-400 bg-sky-50 ring-1 ring-sky-300" : "border-slate-200 bg-white hover:border-slate-300"}`}
            >
              <input
                type="checkbox"
                aria-label={`Select ${recordLabel(i)} (${i.id})`}
                checked={selected.has(i.id)}
                onChange={() => onToggle(i.id)}
                className="mt-1"
              />
              <button
                type="button"
                className="min-w-0 flex-1 text-left"
                onClick={() => onOpen(i.id)}
                aria-current={i.id === activeId}
              >
                <div className="flex flex-wrap items-center gap-1.5">
                  <Badge tone={RISK_TONE[i.risk.label]}>{i.risk.label}</Badge>
                  {i.status === "draft" && <Badge tone="violet">draft</Badge>}
                  {i.escalatedTo && <Badge tone="red">escalated</Badge>}
                  {i.returnedAfterConflict && <Badge tone="amber">changed in Salesforce</Badge>}
                  {i.revert && (
                    <Badge tone={i.revert.deletes ? "red" : "violet"}>
                      {i.revert.deletes ? "revert · deletes" : "revert"}
                    </Badge>
                  )}
                  <span className="min-w-0 truncate font-medium" data-testid="record-name">
                    {recordLabel(i)}
                  </span>
                </div>
                <RecordFactsLine record={i.record} />
                <div className="mt-1 truncate text-xs text-muted">
                  {i.actionType ?? i.object} · {i.agent.slug} · {i.environment}
                </div>
                <div className="mt-1 truncate text-xs text-muted">
                  {i.revert?.deletes
                    ? `Deletes ${i.object} ${i.recordId}`
                    : i.changes.map((c) => `${c.field} → ${show(c.to)}`).join(", ")}
                </div>
                <div className="mt-1 flex justify-between text-xs">
                  <SlaCountdown due={i.slaDueAt} now={now} />
                  <span className="text-muted">
                    {i.approvals}/{i.requiredApprovals} approvals
                  </span>
                </div>
              </button>
            </div>
          </li>
        ))}
      </ul>
      {loadMore && (
        <Button
          variant="secondary"
          size="md"
          busy={loadingMore}
          onClick={loadMore}
          className="mt-2 w-full"
        >
          Load more
        </Button>
      )}
    </>
  );
}
