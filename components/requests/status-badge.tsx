import { Badge, type TBadgeTone } from "@/components/ui";

const TONE: Partial<Record<string, TBadgeTone>> = {
  approved: "green",
  auto_approved: "green",
  succeeded: "green",
  denied: "red",
  failed: "red",
  dead_lettered: "red",
  pending_approval: "violet",
  draft: "violet",
  executing: "blue",
  retrying: "amber",
  expired: "amber",
  halted: "amber",
};

/** "pending_approval" → "pending approval": a status as a person reads it. */
export const statusLabel = (s: string) => s.replaceAll("_", " ");

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONE[status] ?? "gray"}>{statusLabel(status)}</Badge>;
}
