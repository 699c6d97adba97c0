"use client";

import { useState } from "react";
import Link from "next/link";
import {
  Alert,
  Badge,
  Button,
  Card,
  TableBody,
  TableCell,
  TableFrame,
  TableHeader,
} from "@/components/ui";
import { formatTime } from "@/components/format";
import { Attempts, TimelineEntry } from "@/components/dead-letters/letter-history";
import { show } from "@/components/inbox/shared";
import { useRequestHistory, type THistory } from "./queries";
import { RevertDialog } from "./revert-dialog";
import { StatusBadge } from "@/components/requests/status-badge";

const words = (s: string | null | undefined) => (s ? s.replaceAll("_", " ") : "—");

function Section({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: React.ReactNode;
}) {
  return (
    <Card aria-labelledby={id} padding="md">
      <h2 id={id} className="mb-3 text-sm font-semibold">
        {title}
      </h2>
      {children}
    </Card>
  );
}

function Facts({ rows }: { rows: [string, React.ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-muted">{k}</dt>
          <dd className="min-w-0 break-words">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function recordName(h: THistory) {
  const summary = h.request.recordSummary as { name?: string | null } | null;
  const id = h.request.recordId ?? h.request.resultRecordId;
  return summary?.name
    ? `${summary.name} (${id ?? "new"})`
    : id
      ? `${h.request.object} ${id}`
      : `new ${h.request.object}`;
}

/**
 * One request's whole life: the proposal and policy decision, the field changes with their
 * before/after, the approvals, each execution try, the agent callbacks, reverts, and every audit
 * event about it. Read again every 5 s while something can still happen to it.
 */
export function RequestHistory({
  initial,
  renderedAt,
  canRevert,
}: {
  initial: THistory;
  renderedAt: string;
  canRevert: boolean;
}) {
  const { data: h } = useRequestHistory(initial.request.id, initial, renderedAt);
  const [reverting, setReverting] = useState(false);
  const r = h.request;
  const d = h.proposal.decision;

  return (
    <div className="space-y-4" data-testid="request-history">
      <Card padding="md">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-lg font-semibold">{r.actionType?.name ?? r.object}</span>
              <StatusBadge status={r.status} />
              {h.revert.of && <Badge tone="violet">revert</Badge>}
            </div>
            <div className="text-sm text-muted">
              {recordName(h)} · {r.agent.name} ({r.agent.slug}) · {r.environment.name}
              {r.workflow && ` · ${r.workflow.name} v${r.workflow.version}`}
            </div>
            <div className="font-mono text-xs text-muted">{r.id}</div>
          </div>
          {canRevert && (
            <div className="flex flex-col items-end gap-1">
              <Button
                variant="secondary"
                disabled={!!h.revert.blockedBy}
                onClick={() => setReverting(true)}
              >
                Revert…
              </Button>
              {h.revert.blockedBy && r.status === "succeeded" && (
                <span className="max-w-xs text-right text-xs text-muted">{h.revert.blockedBy}</span>
              )}
            </div>
          )}
        </div>
        {h.revert.of && (
          <Alert tone="info" className="mt-3">
            This request reverts{" "}
            <Link className="font-mono underline" href={`/requests/${h.revert.of.id}`}>
              {h.revert.of.id}
            </Link>{" "}
            ({h.revert.of.actionType ?? "a write"}, now {words(h.revert.of.status)}), asked for by{" "}
            {r.requestedBy ?? "a person"}.
          </Alert>
        )}
        {r.lastError && !["succeeded", "reverted"].includes(r.status) && (
          <Alert tone="error" className="mt-3">
            {words(r.lastError.errorClass)}: {r.lastError.message}
          </Alert>
        )}
        {r.refusal && (
          <Alert tone="error" className="mt-3">
            Refused ({r.refusal.status} {r.refusal.code}): {r.refusal.detail}
          </Alert>
        )}
      </Card>

      <div className="grid gap-4 xl:grid-cols-2">
        <Section id="rq-proposal" title="Proposal">
          <Facts
            rows={[
              ["Proposed", formatTime(r.createdAt)],
              ["By", r.requestedBy ? `${r.requestedBy} (a person)` : `${r.agent.name}`],
              ["Agent owner", r.agentOwner ?? "—"],
              ["Reason", h.proposal.reasonText ? `“${h.proposal.reasonText}”` : "—"],
              ["Reason code", h.proposal.reasonCode ?? "—"],
              [
                "Evidence",
                Array.isArray(h.proposal.evidence) && h.proposal.evidence.length ? (
                  <ul className="space-y-0.5 text-xs">
                    {(h.proposal.evidence as unknown[]).map((e, i) => (
                      <li key={i} className="break-all font-mono">
                        {show(e)}
                      </li>
                    ))}
                  </ul>
                ) : (
                  "—"
                ),
              ],
            ]}
          />
        </Section>
        <Section id="rq-decision" title="Policy decision">
          <Facts
            rows={[
              ["Outcome", words(d.outcome)],
              ["Mode", words(d.mode)],
              [
                "Rule",
                <span key="rule" className="font-mono text-xs">
                  {d.rule ?? "—"}
                </span>,
              ],
              [
                "Why",
                d.reasons.length ? (
                  <ul key="why" className="list-disc pl-4">
                    {d.reasons.map((x, i) => (
                      <li key={i}>{x}</li>
                    ))}
                  </ul>
                ) : (
                  "—"
                ),
              ],
              [
                "Approvers",
                d.approverGroup
                  ? `${words(d.approverGroup)} (${d.requiredApprovals} needed)${d.escalatedTo ? `, escalated to ${words(d.escalatedTo)}` : ""}`
                  : "none (auto)",
              ],
            ]}
          />
        </Section>
      </div>

      <Section id="rq-fields" title="Field changes">
        {h.fieldChanges.length === 0 ? (
          <p className="text-xs text-muted">No field changes.</p>
        ) : (
          <TableFrame label="Field changes" minWidth="44rem" dense tableClassName="text-xs">
            <TableHeader
              columns={["Field", "Before", "Proposed", "At approval", "Written", "Reverted"]}
            />
            <TableBody>
              {h.fieldChanges.map((f) => (
                <tr key={f.field} className="align-top">
                  <TableCell className="font-mono">{f.field}</TableCell>
                  <TableCell className="text-muted">{show(f.oldValue)}</TableCell>
                  <TableCell className="font-medium">{show(f.newValue)}</TableCell>
                  <TableCell className="text-muted">{show(f.valueAtApproval)}</TableCell>
                  <TableCell>{show(f.appliedValue)}</TableCell>
                  <TableCell className="text-muted">
                    {f.revertedAt ? formatTime(f.revertedAt) : "—"}
                  </TableCell>
                </tr>
              ))}
            </TableBody>
          </TableFrame>
        )}
      </Section>

      <div className="grid gap-4 xl:grid-cols-2">
        <Section id="rq-approvals" title="Approvals">
          {h.approvals.length === 0 ? (
            <p className="text-xs text-muted">
              {d.mode === "auto"
                ? "Auto-approved by the rule: no person decided."
                : ["pending_approval", "draft", "received"].includes(r.status)
                  ? "No decision yet."
                  : "No approval recorded."}
            </p>
          ) : (
            <ol className="space-y-1 text-sm" data-testid="rq-approvals">
              {h.approvals.map((a, i) => (
                <li key={i}>
                  <Badge tone={a.decision === "approved" ? "green" : "red"}>{a.decision}</Badge>{" "}
                  <span className="font-medium">{a.approver}</span>
                  {a.group && <span className="text-muted"> for {words(a.group)}</span>}{" "}
                  <span className="text-muted">{formatTime(a.createdAt)}</span>
                  {a.reason && <div className="text-muted">“{a.reason}”</div>}
                </li>
              ))}
            </ol>
          )}
        </Section>
        <Section id="rq-reverts" title="Reverts">
          {h.revert.requests.length === 0 ? (
            <p className="text-xs text-muted">
              {h.revert.blockedBy && r.status !== "succeeded"
                ? h.revert.blockedBy
                : "Nobody asked to revert it."}
            </p>
          ) : (
            <ol className="space-y-2 text-sm" data-testid="rq-reverts">
              {h.revert.requests.map((v) => (
                <li key={v.id}>
                  <Link className="font-mono underline" href={`/requests/${v.id}`}>
                    {v.id}
                  </Link>{" "}
                  <StatusBadge status={v.status} />{" "}
                  <span className="text-muted">
                    asked by {v.requestedBy ?? "a person"} {formatTime(v.createdAt)} ·{" "}
                    {v.fields.join(", ")}
                  </span>
                  {v.reason && <div className="text-muted">“{v.reason}”</div>}
                  {v.error && v.status === "failed" && (
                    <div className="text-red-800">{v.error}</div>
                  )}
                </li>
              ))}
            </ol>
          )}
        </Section>
      </div>

      <Section id="rq-execution" title="Execution">
        <Attempts rows={h.attempts} />
        {h.deadLetter && (
          <p className="mt-2 text-xs text-muted">
            Dead-lettered ({words(h.deadLetter.errorClass)}): {h.deadLetter.errorMessage}
            {h.deadLetter.resolution &&
              ` — ${h.deadLetter.resolution} by ${h.deadLetter.resolvedBy ?? "a person"}: “${h.deadLetter.resolutionReason}”`}
          </p>
        )}
      </Section>

      <Section id="rq-callbacks" title="Agent callbacks">
        {h.callbacks.length === 0 ? (
          <p className="text-xs text-muted">
            No callback: the agent has no callback URL, or nothing final happened yet.
          </p>
        ) : (
          <TableFrame label="Agent callbacks" minWidth="36rem" dense tableClassName="text-xs">
            <TableHeader columns={["Told", "To", "Delivery", "Tries", "Queued"]} />
            <TableBody>
              {h.callbacks.map((c) => (
                <tr key={c.id} className="align-top">
                  <TableCell>{words(String(c.told ?? ""))}</TableCell>
                  <TableCell className="break-all font-mono">{c.url}</TableCell>
                  <TableCell>
                    <Badge
                      tone={
                        c.status === "delivered" ? "green" : c.status === "failed" ? "red" : "amber"
                      }
                    >
                      {c.status}
                    </Badge>
                    {c.lastError && <div className="text-red-800">{c.lastError}</div>}
                  </TableCell>
                  <TableCell>{c.attempts}</TableCell>
                  <TableCell className="text-muted">{formatTime(c.createdAt)}</TableCell>
                </tr>
              ))}
            </TableBody>
          </TableFrame>
        )}
      </Section>

      <Section id="rq-audit" title="Audit trail">
        <ol className="space-y-1 border-l border-line pl-4 text-xs" data-testid="rq-timeline">
          {h.events.map((e) => (
            <TimelineEntry
              key={e.id}
              e={e}
              lead={
                <>
                  <Badge tone="gray">{e.lane}</Badge>{" "}
                </>
              }
              tail={
                e.sealed ? (
                  <span
                    className="text-muted"
                    title={`Sealed at position ${e.seq} of the ${e.lane} chain`}
                  >
                    {" "}
                    · sealed #{e.seq}
                  </span>
                ) : (
                  <>
                    {" "}
                    <Badge
                      tone="amber"
                      title="Committed; the sealer has not linked it into the chain yet"
                    >
                      unsealed
                    </Badge>
                  </>
                )
              }
            />
          ))}
        </ol>
      </Section>

      {canRevert && <RevertDialog requestId={r.id} open={reverting} onOpenChange={setReverting} />}
    </div>
  );
}
