"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { EmptyState, TableBody, TableCell, TableFrame, TableHeader } from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";
import {
  backoutKeys,
  BackoutStatusBadge,
  isLive,
  plural,
  ProgressBar,
  selectionText,
  type TBackout,
} from "./shared";

/**
 * The newest backouts: status, what they select, who planned and who started them, the plan's
 * figures and, once started, the progress. Reads itself again every 2 s while one is running.
 */
export function BackoutList({ initial }: { initial: TBackout[] }) {
  const list = useQuery({
    queryKey: backoutKeys.list,
    queryFn: async () =>
      (await sendJson<{ backouts: TBackout[] }>("/api/internal/backouts")).backouts,
    initialData: initial,
    refetchInterval: (q) => (q.state.data?.some((b) => isLive(b.status)) ? 2_000 : false),
  });
  if (!list.data.length) {
    return (
      <EmptyState title="No backout yet">
        A backout undoes an agent&apos;s writes in a window, record by record; its dry run shows
        here first.
      </EmptyState>
    );
  }
  return (
    <TableFrame label="Backouts" minWidth="44rem">
      <TableHeader columns={["Status", "Selection", "Who", "Plan and progress"]} />
      <TableBody>
        {list.data.map((b) => (
          <tr key={b.id} className="align-top" data-testid={`backout-${b.id}`}>
            <TableCell>
              <BackoutStatusBadge status={b.status} />
            </TableCell>
            <TableCell>
              <Link className="font-medium underline" href={`/backouts/${b.id}`}>
                {selectionText(b)}
              </Link>
              <div className="mt-0.5 line-clamp-2 text-xs text-muted">{b.reason}</div>
            </TableCell>
            <TableCell className="text-xs">
              <div>
                Planned by <span className="font-medium">{b.createdBy.name}</span>
              </div>
              <div className="text-muted">{formatTime(b.plannedAt)}</div>
              {b.startedBy && (
                <>
                  <div className="mt-1">
                    Started by <span className="font-medium">{b.startedBy.name}</span>
                  </div>
                  <div className="text-muted">{formatTime(b.startedAt)}</div>
                </>
              )}
            </TableCell>
            <TableCell className="w-52 text-xs">
              <div>
                {b.plan.restorable} to restore ·{" "}
                <span className={b.plan.conflicts ? "text-red-700" : undefined}>
                  {plural(b.plan.conflicts, "conflict")}
                </span>
              </div>
              <div className="text-muted">
                {plural(b.plan.records, "record")} · {plural(b.plan.requests, "request")}
              </div>
              {b.progress && (
                <div className="mt-2">
                  <ProgressBar progress={b.progress} />
                  <div className="mt-1 text-muted">
                    {b.progress.done} of {b.progress.restorable} restored
                    {b.progress.conflicts ? ` · ${plural(b.progress.conflicts, "conflict")}` : ""}
                    {b.progress.failed ? ` · ${b.progress.failed} failed` : ""}
                  </div>
                </div>
              )}
            </TableCell>
          </tr>
        ))}
      </TableBody>
    </TableFrame>
  );
}
