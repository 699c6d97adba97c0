import { Badge, cx, type TBadgeTone } from "@/components/ui";
import { formatTime } from "@/components/format";
import type { TSerialized } from "@/lib/core/serialize";
import type { listBackoutItems, TBackoutSummary } from "@/lib/backouts";

export type TBackout = TSerialized<TBackoutSummary>;
export type TItemPage = TSerialized<Awaited<ReturnType<typeof listBackoutItems>>>;
export type TItem = TItemPage["items"][number];

export const backoutKeys = {
  list: ["backouts"] as const,
  one: (id: string) => ["backouts", id] as const,
  items: (id: string, state: string) => ["backouts", id, "items", state] as const,
};

const STATUS: Record<string, { label: string; tone: TBadgeTone }> = {
  planned: { label: "planned", tone: "violet" },
  running: { label: "running", tone: "blue" },
  paused: { label: "paused", tone: "amber" },
  done: { label: "done", tone: "green" },
  cancelled: { label: "cancelled", tone: "gray" },
};

export function BackoutStatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { label: status, tone: "gray" as const };
  return <Badge tone={s.tone}>{s.label}</Badge>;
}

/** "1 conflict", "3 conflicts" */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A backout is live (its figures move) while it runs or is paused with reverts in flight. */
export const isLive = (status: string) => status === "running" || status === "paused";

/** "Pipeline hygiene bot's writes of type Change amount / close date in Production, …" */
export function selectionText(b: TBackout) {
  const who = b.agent ? `${b.agent.name}'s writes` : "Every agent's writes";
  const type = b.actionType ? ` of type ${b.actionType.name}` : "";
  const version = b.workflowVersion ? ` under ${b.workflowVersion.name}` : "";
  return `${who}${type}${version} in ${b.environment.name}, ${formatTime(b.windowStart)} → ${formatTime(b.windowEnd)}`;
}

export const ITEM_STATE_LABELS: Record<string, { label: string; tone: TBadgeTone }> = {
  restorable: { label: "to restore", tone: "blue" },
  conflict: { label: "conflict", tone: "red" },
  already_restored: { label: "already restored", tone: "green" },
  already_there: { label: "already there", tone: "gray" },
  not_revertible: { label: "for a person", tone: "amber" },
  revert_open: { label: "revert already open", tone: "amber" },
  changed_since_plan: { label: "changed since the dry run", tone: "red" },
};

/**
 * The share of a backout's fields settled (restored, conflicts, failed), as one bar in segments.
 * `role="progressbar"` with the settled count, so it reads as "n of m".
 */
export function ProgressBar({
  progress,
  className,
}: {
  progress: NonNullable<TBackout["progress"]>;
  className?: string;
}) {
  const total = Math.max(progress.restorable, 1);
  const settled = progress.done + progress.conflicts + progress.failed;
  const pct = (n: number) => `${(100 * n) / total}%`;
  return (
    <div
      role="progressbar"
      aria-label="Fields settled"
      aria-valuemin={0}
      aria-valuemax={progress.restorable}
      aria-valuenow={settled}
      aria-valuetext={`${settled} of ${progress.restorable} fields settled: ${progress.done} restored, ${progress.conflicts} conflicts, ${progress.failed} failed`}
      className={cx("flex h-2 w-full overflow-hidden rounded-full bg-slate-200", className)}
    >
      <div className="bg-emerald-600" style={{ width: pct(progress.done) }} />
      <div className="bg-amber-500" style={{ width: pct(progress.conflicts) }} />
      <div className="bg-red-600" style={{ width: pct(progress.failed) }} />
      <div className="bg-sky-400" style={{ width: pct(progress.inFlight) }} />
    </div>
  );
}
