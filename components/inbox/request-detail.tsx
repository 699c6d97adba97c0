"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { TInboxItem } from "@/lib/approvals";
import { Alert, Button, Card, Field, Textarea } from "@/components/ui";
import { formatTime } from "@/components/format";
import { ChangeReview } from "./change-review";
import { DecisionSummary } from "./decision-summary";
import { decidedText, type TQueuedApproval } from "./decisions";
import { useDecision, useInboxDetail } from "./queries";
import { RecordFacts } from "./record-facts";
import { recordLabel, SlaCountdown } from "./shared";

export type TDetailHandle = {
  /** the approval for the key, or why there is none */
  approval: () => TQueuedApproval | { refused: string };
  deny: () => void;
};

/**
 * One request opened from the list: who asks what of which record, the review (read from
 * Salesforce now), and the decision form. `bind` hands the board what the `a` and `d` keys need.
 */
export function RequestDetail({
  item,
  now,
  canDecide,
  bind,
  onDone,
}: {
  item: TInboxItem;
  now: number | null;
  canDecide: boolean;
  bind: (h: TDetailHandle | null) => void;
  /** a decision went through: what to tell the person */
  onDone: (text: string) => void;
}) {
  const { data: detail, error: loadFailure } = useInboxDetail(item.id);
  const loadError = loadFailure ? loadFailure.message : null;
  const {
    mutateAsync: decide,
    reset,
    isPending: busy,
    error: sendFailure,
    variables: sending,
  } = useDecision();
  // which button waits: the refusal (deny, discard) or the approval (approve, execute)
  const refusing = sending?.body.decision === "deny" || sending?.body.action === "discard";
  const [reason, setReason] = useState("");
  // what the form itself refuses (no reason); the server's refusals come from the mutation
  const [refusal, setRefusal] = useState<string | null>(null);
  const error = refusal ?? sendFailure?.message ?? null;
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  const waiting = detail ? detail.waiting : item.waiting;
  const isDraft = (detail?.status ?? item.status) === "draft";
  const label = recordLabel(item);

  const seen = useMemo(() => {
    if (!detail || detail.currentError || !detail.diff.every((d) => d.current !== undefined))
      return undefined;
    return Object.fromEntries(detail.diff.map((d) => [d.field, d.current]));
  }, [detail]);

  const approval = useCallback((): TQueuedApproval => {
    const body = {
      reason: reason.trim() || undefined,
      ...(seen ? { seen } : {}),
      // a revert that deletes: the record the note named (shown once the detail is loaded)
      ...(item.revert?.deletes && detail && item.recordId ? { confirmDelete: item.recordId } : {}),
    };
    return isDraft
      ? {
          id: item.id,
          label,
          kind: "execute",
          url: `/api/internal/inbox/${item.id}/draft`,
          body: { action: "execute", ...body },
        }
      : {
          id: item.id,
          label,
          kind: "approve",
          url: `/api/internal/inbox/${item.id}/decision`,
          body: { decision: "approve", ...body },
        };
  }, [isDraft, item.id, item.revert, item.recordId, detail, label, reason, seen]);

  const act = useCallback(
    async (kind: "approve" | "deny" | "execute" | "discard") => {
      setRefusal(null);
      reset();
      // approving never needs a reason (unless the rule asks: the server says so); refusing does
      if ((kind === "deny" || kind === "discard") && !reason.trim()) {
        setRefusal(
          kind === "deny"
            ? "Say why you deny it: a reason is required."
            : "Say why you discard it: a reason is required.",
        );
        reasonRef.current?.focus();
        return;
      }
      try {
        if (kind === "approve" || kind === "execute") {
          const q = approval();
          onDone(decidedText(q, await decide(q)));
        } else if (kind === "deny") {
          const r = await decide({
            id: item.id,
            url: `/api/internal/inbox/${item.id}/decision`,
            body: { decision: "deny", reason: reason.trim() },
          });
          onDone(decidedText({ label, kind: "approve" }, r));
        } else {
          await decide({
            id: item.id,
            url: `/api/internal/inbox/${item.id}/draft`,
            body: { action: "discard", reason: reason.trim() },
          });
          onDone(`Discarded draft ${label}.`);
        }
      } catch {
        // the mutation holds the server's answer; it shows under the reason
      }
    },
    [approval, decide, reset, item.id, label, reason, onDone],
  );

  useEffect(() => {
    bind({
      approval: () =>
        !waiting
          ? { refused: `${label} is no longer waiting.` }
          : item.decidedByMe
            ? { refused: `You have decided ${label} already.` }
            : busy
              ? { refused: "A decision on this request is being sent." }
              : item.revert?.deletes
                ? { refused: `Approving ${label} deletes a record: use its Approve button.` }
                : approval(),
      deny: () => {
        if (!waiting) return;
        if (!reason.trim()) {
          setRefusal("Type the reason for the denial, then press Deny.");
          reasonRef.current?.focus();
        } else void act(isDraft ? "discard" : "deny");
      },
    });
    return () => bind(null);
  }, [bind, act, approval, waiting, item.decidedByMe, item.revert, busy, isDraft, label, reason]);

  return (
    <Card aria-label={`Request ${item.id}`} className="min-w-0">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h2 className="break-words text-lg font-semibold">{label}</h2>
          <div className="text-sm text-slate-700">
            {item.revert ? (item.revert.deletes ? "Revert by delete: " : "Revert: ") : ""}
            {item.actionTypeName ?? item.actionType ?? item.object}
          </div>
          <div className="text-sm text-muted">
            {item.agent.name} ({item.agent.slug}) · {item.environment}
            {item.workflow ? ` · ${item.workflow.key} v${item.workflow.version}` : ""} ·{" "}
            {item.object}{" "}
            <span className="break-all font-mono">{item.recordId ?? "(new record)"}</span>
          </div>
          <div className="mt-1 break-all font-mono text-xs text-muted">{item.id}</div>
        </div>
        <div className="text-right text-sm">
          {waiting && <SlaCountdown due={item.slaDueAt} now={now} />}
          <div className="text-xs text-muted">proposed {formatTime(item.createdAt)}</div>
          {waiting && item.expiresAt && (
            <div className="text-xs text-muted">expires {formatTime(item.expiresAt)}</div>
          )}
        </div>
      </div>

      {!waiting && <DecisionSummary item={item} detail={detail ?? null} />}

      <RecordFacts
        snapshot={item.record}
        now={detail ? detail.recordNow : undefined}
        isNew={!item.recordId}
      />

      {loadError && (
        <Alert tone="error" className="mt-4">
          {loadError}
        </Alert>
      )}
      {!detail && !loadError && (
        <p className="mt-4 text-sm text-muted">Reading the record from Salesforce…</p>
      )}
      {detail && <ChangeReview item={item} detail={detail} waiting={waiting} />}

      {!waiting ? null : canDecide ? (
        <div className="mt-5 space-y-2 border-t border-line pt-4">
          <Field
            error={error}
            label={
              <>
                Reason{" "}
                <span className="font-normal text-muted">
                  {isDraft ? "(required to discard)" : "(required to deny; optional to approve)"}
                </span>
              </>
            }
          >
            <Textarea
              ref={reasonRef}
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder={isDraft ? "Why you execute or discard it" : "Why you approve or deny it"}
            />
          </Field>
          <div className="flex flex-wrap gap-2">
            <Button
              size="lg"
              busy={busy && !refusing}
              disabled={busy || item.decidedByMe}
              onClick={() => act(isDraft ? "execute" : "approve")}
            >
              {isDraft ? "Execute" : "Approve"}
            </Button>
            <Button
              variant="danger"
              size="lg"
              busy={busy && refusing}
              disabled={busy || item.decidedByMe}
              onClick={() => act(isDraft ? "discard" : "deny")}
            >
              {isDraft ? "Discard" : "Deny"}
            </Button>
            {item.decidedByMe && (
              <span className="self-center text-sm text-muted">You have decided this one.</span>
            )}
          </div>
        </div>
      ) : (
        <p className="mt-5 border-t border-line pt-4 text-sm text-muted">
          You can see this request but your role cannot decide it.
        </p>
      )}
    </Card>
  );
}
