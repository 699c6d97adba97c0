"use client";

import { useRef, useState } from "react";
import { Button, Input } from "@/components/ui";
import { useBulkDecision } from "./queries";

export type TNotice = { tone: "ok" | "error"; text: string };

/**
 * Approve or deny the selection with one reason: optional to approve, required to deny. Each
 * request is decided on its own, so the answer names the ones that were not decided and why.
 */
export function BulkBar({
  selected,
  nameOf,
  onDecided,
  onNotice,
  onClear,
}: {
  selected: string[];
  nameOf: (id: string) => string;
  /** the requests that no longer wait for this person (decided, not merely approved once more) */
  onDecided: (ids: string[]) => void;
  onNotice: (notice: TNotice | null) => void;
  onClear: () => void;
}) {
  const [reason, setReason] = useState("");
  const reasonRef = useRef<HTMLInputElement>(null);
  const bulk = useBulkDecision();
  const sending = bulk.isPending ? bulk.variables.decision : null;

  const decide = async (decision: "approve" | "deny") => {
    onNotice(null);
    const why = reason.trim();
    if (decision === "deny" && !why) {
      onNotice({ tone: "error", text: "Say why you deny them: a reason is required." });
      reasonRef.current?.focus();
      return;
    }
    try {
      const res = await bulk.mutateAsync({
        ids: selected,
        decision,
        ...(why ? { reason: why } : {}),
      });
      onDecided(
        res.results
          .filter((r) => r.ok && r.status !== "pending_approval" && r.status !== "draft")
          .map((r) => r.id),
      );
      const failures = res.results.filter((r) => !r.ok);
      onNotice({
        tone: failures.length ? "error" : "ok",
        text:
          `${decision === "approve" ? "Approved" : "Denied"} ${res.decided} of ${res.results.length}.` +
          (failures.length
            ? ` Not decided: ${failures.map((f) => `${nameOf(f.id)} (${f.error})`).join("; ")}`
            : ""),
      });
      if (!failures.length) setReason("");
    } catch (e) {
      onNotice({ tone: "error", text: (e as Error).message });
    }
  };

  // mounted while nothing is selected too, so a reason typed before a Clear is still there
  if (!selected.length) return null;
  return (
    <div className="flex flex-wrap items-center gap-3 rounded-xl border border-sky-200 bg-sky-50 p-3 text-sm">
      <span className="font-medium">{selected.length} selected</span>
      <Input
        ref={reasonRef}
        aria-label="Reason for the selection"
        placeholder="One reason for all of them (required to deny, optional to approve)"
        className="min-w-0 flex-1 basis-72"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <Button
        size="md"
        busy={sending === "approve"}
        disabled={!!sending}
        onClick={() => decide("approve")}
      >
        Approve selected
      </Button>
      <Button
        variant="danger"
        size="md"
        busy={sending === "deny"}
        disabled={!!sending}
        onClick={() => decide("deny")}
      >
        Deny selected
      </Button>
      <Button variant="link" size="inline" className="text-sm" onClick={onClear}>
        Clear
      </Button>
    </div>
  );
}
