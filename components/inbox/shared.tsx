"use client";

import { useEffect, useState } from "react";
import type { TInboxItem } from "@/lib/approvals";
import { formatTime } from "@/components/format";

export const RISK_TONE = { high: "red", elevated: "amber", normal: "gray" } as const;

export const show = (v: unknown) =>
  v === null || v === undefined || v === ""
    ? "—"
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);
export const same = (a: unknown, b: unknown) => show(a) === show(b);

const MONEY = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
/** Amounts as plain grouped numbers: the org's currency is not part of the snapshot. */
export const formatAmount = (n: number | null | undefined) =>
  n === null || n === undefined ? null : MONEY.format(n);

/** The words a person recognises a request's record by: its name, else object and id. */
export function recordLabel(item: Pick<TInboxItem, "record" | "object" | "recordId">) {
  if (item.record?.name) return item.record.name;
  return item.recordId ? `${item.object} ${item.recordId}` : `new ${item.object}`;
}

export function useNow(intervalMs = 15_000) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function duration(ms: number) {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "due in 1h 12m" / "overdue by 20m": the SLA at a glance, updated while the page is open. */
export function SlaCountdown({ due, now }: { due: string | null; now: number | null }) {
  if (!due) return <span className="text-muted">no SLA</span>;
  if (now === null) return <span className="text-muted">due {formatTime(due)}</span>;
  const left = new Date(due).getTime() - now;
  return left >= 0 ? (
    <span className={left < 30 * 60_000 ? "text-amber-700" : "text-muted"} title={formatTime(due)}>
      due in {duration(left)}
    </span>
  ) : (
    <span className="font-medium text-red-700" title={formatTime(due)}>
      overdue by {duration(-left)}
    </span>
  );
}
