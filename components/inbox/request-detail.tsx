"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { TInboxDetail, TInboxItem } from "@/lib/approvals";
import { Badge } from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";
import { DecisionSummary } from "./decision-summary";
import { RecordFacts } from "./record-facts";
import { duration, recordLabel, same, show, SlaCountdown } from "./shared";

/** An approval (or a draft's execute) ready to send: what the `a` key holds back for undo. */
export type TQueuedApproval = {
  id: string;
  label: string;
  url: string;
  body: Record<string, unknown>;
  kind: "approve" | "execute";
};

export type TDetailHandle = {
  /** the approval for the key, or why there is none */
  approval: () => TQueuedApproval | { refused: string };
  deny: () => void;
};

/** What the decision endpoints answer; a draft's execute answers with its new status. */
export type TDecisionAnswer = { status: string; approvals?: number; required?: number };

/** The sentence a person reads after a decision went through. */
export function decidedText(q: Pick<TQueuedApproval, "label" | "kind">, r: TDecisionAnswer) {
  if (r.status === "pending_approval" || r.status === "draft")
    return `Your approval of ${q.label} is recorded${r.approvals ? ` (${r.approvals} of ${r.required})` : ""}; it still needs more.`;
  if (r.status === "denied") return `Denied ${q.label}.`;
  if (r.status === "discarded") return `Discarded draft ${q.label}.`;
  return q.kind === "execute"
    ? `Executing draft ${q.label}.`
    : `Approved ${q.label}: queued for execution.`;
}

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
  onDone: (text: string, remove: boolean) => void;
}) {
  const [detail, setDetail] = useState<TInboxDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let live = true;
    sendJson<TInboxDetail>(`/api/internal/inbox/${encodeURIComponent(item.id)}`)
      .then((d) => live && setDetail(d))
      .catch((e) => live && setLoadError((e as Error).message));
    return () => {
      live = false;
    };
  }, [item.id]);

  const waiting = detail ? detail.waiting : item.waiting;
  const isDraft = (detail?.status ?? item.status) === "draft";
  const label = recordLabel(item);

  const seen = useMemo(() => {
    if (!detail || detail.currentError || !detail.diff.every((d) => d.current !== undefined))
      return undefined;
    return Object.fromEntries(detail.diff.map((d) => [d.field, d.current]));
  }, [detail]);

  const approval = useCallback((): TQueuedApproval => {
    const body = { reason: reason.trim() || undefined, ...(seen ? { seen } : {}) };
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
  }, [isDraft, item.id, label, reason, seen]);

  const act = useCallback(
    async (kind: "approve" | "deny" | "execute" | "discard") => {
      setError(null);
      // approving never needs a reason (unless the rule asks: the server says so); refusing does
      if ((kind === "deny" || kind === "discard") && !reason.trim()) {
        setError(
          kind === "deny"
            ? "Say why you deny it: a reason is required."
            : "Say why you discard it: a reason is required.",
        );
        reasonRef.current?.focus();
        return;
      }
      setBusy(true);
      try {
        if (kind === "approve" || kind === "execute") {
          const q = approval();
          const r = await sendJson<TDecisionAnswer>(q.url, "POST", q.body);
          onDone(decidedText(q, r), true);
        } else if (kind === "deny") {
          const r = await sendJson<TDecisionAnswer>(
            `/api/internal/inbox/${item.id}/decision`,
            "POST",
            { decision: "deny", reason: reason.trim() },
          );
          onDone(decidedText({ label, kind: "approve" }, r), true);
        } else {
          await sendJson(`/api/internal/inbox/${item.id}/draft`, "POST", {
            action: "discard",
            reason: reason.trim(),
          });
          onDone(`Discarded draft ${label}.`, true);
        }
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setBusy(false);
      }
    },
    [approval, item.id, label, reason, onDone],
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
              : approval(),
      deny: () => {
        if (!waiting) return;
        if (!reason.trim()) {
          setError("Type the reason for the denial, then press Deny.");
          reasonRef.current?.focus();
        } else void act(isDraft ? "discard" : "deny");
      },
    });
    return () => bind(null);
  }, [bind, act, approval, waiting, item.decidedByMe, busy, isDraft, label, reason]);

  return (
    <section
      aria-label={`Request ${item.id}`}
      className="min-w-0 rounded-xl border border-slate-200 bg-white p-5"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h2 className="break-words text-lg font-semibold">{label}</h2>
          <div className="text-sm text-slate-700">
            {item.actionTypeName ?? item.actionType ?? item.object}
          </div>
          <div className="text-sm text-slate-600">
            {item.agent.name} ({item.agent.slug}) · {item.environment}
            {item.workflow ? ` · ${item.workflow.key} v${item.workflow.version}` : ""} ·{" "}
            {item.object}{" "}
            <span className="break-all font-mono">{item.recordId ?? "(new record)"}</span>
          </div>
          <div className="mt-1 break-all font-mono text-xs text-slate-400">{item.id}</div>
        </div>
        <div className="text-right text-sm">
          {waiting && <SlaCountdown due={item.slaDueAt} now={now} />}
          <div className="text-xs text-slate-500">proposed {formatTime(item.createdAt)}</div>
          {waiting && item.expiresAt && (
            <div className="text-xs text-slate-500">expires {formatTime(item.expiresAt)}</div>
          )}
        </div>
      </div>

      {!waiting && <DecisionSummary item={item} detail={detail} />}

      <RecordFacts
        snapshot={item.record}
        now={detail ? detail.recordNow : undefined}
        isNew={!item.recordId}
      />

      {loadError && (
        <p role="alert" className="mt-4 text-sm text-red-700">
          {loadError}
        </p>
      )}
      {!detail && !loadError && (
        <p className="mt-4 text-sm text-slate-500">Reading the record from Salesforce…</p>
      )}
      {detail && (
        <>
          <h3 className="mt-5 text-sm font-semibold">Change</h3>
          {detail.currentError && (
            <p className="mt-1 text-sm text-amber-800">{detail.currentError}</p>
          )}
          <div className="mt-2 overflow-x-auto">
            <table className="w-full text-sm" aria-label="Diff">
              <thead>
                <tr className="text-left text-xs text-slate-500">
                  <th className="py-1 pr-3 font-medium">Field</th>
                  <th className="py-1 pr-3 font-medium">When proposed</th>
                  <th className="py-1 pr-3 font-medium">In Salesforce now</th>
                  <th className="py-1 font-medium">Proposed</th>
                </tr>
              </thead>
              <tbody>
                {detail.diff.map((d) => {
                  const drifted = d.current !== undefined && !same(d.current, d.whenProposed);
                  return (
                    <tr key={d.field} className="border-t border-slate-100 align-top">
                      <td className="py-1.5 pr-3 font-mono text-xs">{d.field}</td>
                      <td className="break-words py-1.5 pr-3 text-slate-500">
                        {show(d.whenProposed)}
                      </td>
                      <td
                        className={`break-words py-1.5 pr-3 ${drifted ? "font-medium text-amber-800" : ""}`}
                      >
                        {!item.recordId ? (
                          <span className="text-slate-400">new record</span>
                        ) : d.current === undefined ? (
                          "—"
                        ) : (
                          show(d.current)
                        )}
                        {drifted && <div className="text-xs">changed since the proposal</div>}
                      </td>
                      <td className="break-words py-1.5 font-medium text-emerald-800">
                        {show(d.proposed)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {detail.currentReadAt && (
            <p className="mt-1 text-xs text-slate-400">
              Read from Salesforce at {formatTime(detail.currentReadAt)}
            </p>
          )}

          <div className="mt-5 grid gap-4 md:grid-cols-2">
            <div className="min-w-0">
              <h3 className="text-sm font-semibold">Why</h3>
              <p className="mt-1 text-sm">
                {detail.reasonCode && <Badge tone="blue">{detail.reasonCode}</Badge>}{" "}
                {detail.reasonText ?? <span className="text-slate-400">no reason text</span>}
              </p>
              <h3 className="mt-3 text-sm font-semibold">Evidence</h3>
              {detail.evidence.length === 0 ? (
                <p className="text-sm text-slate-400">none attached</p>
              ) : (
                <ul className="mt-1 space-y-1 text-sm" aria-label="Evidence">
                  {detail.evidence.map((e, n) => (
                    <li key={n}>
                      <span className="text-slate-500">{e.type}: </span>
                      {/^https?:\/\//.test(e.ref) ? (
                        <a
                          href={e.ref}
                          target="_blank"
                          rel="noreferrer noopener"
                          className="break-all text-sky-700 underline"
                        >
                          {e.ref}
                        </a>
                      ) : (
                        <span className="break-all">{e.ref}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div className="min-w-0">
              <h3 className="text-sm font-semibold">Rule</h3>
              <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm">
                <dt className="text-slate-500">Rule</dt>
                <dd className="break-all font-mono text-xs">{detail.rule.key ?? "—"}</dd>
                <dt className="text-slate-500">Mode</dt>
                <dd>{detail.mode?.replaceAll("_", " ") ?? "—"}</dd>
                <dt className="text-slate-500">Decided by</dt>
                <dd>
                  {detail.approverRole?.replaceAll("_", " ") ?? "—"}
                  {detail.escalatedTo
                    ? ` (escalated to ${detail.escalatedTo.replaceAll("_", " ")})`
                    : ""}
                </dd>
                <dt className="text-slate-500">Approvals</dt>
                <dd>
                  {detail.approvals} of {detail.requiredApprovals}
                </dd>
                {detail.rule.slaMinutes && (
                  <>
                    <dt className="text-slate-500">SLA</dt>
                    <dd>{duration(detail.rule.slaMinutes * 60_000)}</dd>
                  </>
                )}
                {detail.rule.rollbackPlan && (
                  <>
                    <dt className="text-slate-500">Undo</dt>
                    <dd>{detail.rule.rollbackPlan}</dd>
                  </>
                )}
              </dl>
              {detail.reasons.length > 0 && (
                <ul className="mt-2 list-disc pl-5 text-xs text-slate-600">
                  {detail.reasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              )}
            </div>
          </div>

          {detail.lastErrorMessage && detail.returnedAfterConflict && waiting && (
            <p className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Back for a new decision: {detail.lastErrorMessage}
            </p>
          )}
          {waiting && detail.decisions.length > 0 && (
            <div className="mt-4">
              <h3 className="text-sm font-semibold">Decisions so far</h3>
              <ul className="mt-1 text-sm">
                {detail.decisions.map((d, n) => (
                  <li key={n}>
                    {d.by}: {d.decision} {d.reason ? `— ${d.reason}` : ""}{" "}
                    <span className="text-xs text-slate-500">{formatTime(d.at)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {waiting && detail.ownedByMe && (
            <p className="mt-4 text-sm text-amber-800">
              You own {detail.agent.slug}: for raised-risk or amount changes someone else must
              approve.
            </p>
          )}
        </>
      )}

      {!waiting ? null : canDecide ? (
        <div className="mt-5 border-t border-slate-100 pt-4">
          <label htmlFor="decision-reason" className="text-sm font-medium">
            Reason{" "}
            <span className="font-normal text-slate-500">
              {isDraft ? "(required to discard)" : "(required to deny; optional to approve)"}
            </span>
          </label>
          <textarea
            id="decision-reason"
            ref={reasonRef}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            placeholder={isDraft ? "Why you execute or discard it" : "Why you approve or deny it"}
          />
          {error && (
            <p role="alert" className="mt-1 text-sm text-red-700">
              {error}
            </p>
          )}
          <div className="mt-2 flex flex-wrap gap-2">
            <button
              type="button"
              disabled={busy || item.decidedByMe}
              onClick={() => act(isDraft ? "execute" : "approve")}
              className="rounded-md bg-emerald-600 px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50"
            >
              {isDraft ? "Execute" : "Approve"}
            </button>
            <button
              type="button"
              disabled={busy || item.decidedByMe}
              onClick={() => act(isDraft ? "discard" : "deny")}
              className="rounded-md bg-red-600 px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50"
            >
              {isDraft ? "Discard" : "Deny"}
            </button>
            {item.decidedByMe && (
              <span className="self-center text-sm text-slate-500">You have decided this one.</span>
            )}
          </div>
        </div>
      ) : (
        <p className="mt-5 border-t border-slate-100 pt-4 text-sm text-slate-500">
          You can see this request but your role cannot decide it.
        </p>
      )}
    </section>
  );
}
