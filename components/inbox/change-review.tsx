"use client";

import Link from "next/link";
import type { TInboxDetail, TInboxItem } from "@/lib/approvals";
import { Alert, Badge, cx, TableBody, TableCell, TableFrame, TableHeader } from "@/components/ui";
import { formatTime } from "@/components/format";
import { duration, same, show } from "./shared";

/**
 * What an approver reads before deciding: the change against the value in Salesforce now (and
 * when proposed), the agent's reason and evidence, the rule that asked for a person, and for a
 * request still waiting, the decisions so far.
 */
export function ChangeReview({
  item,
  detail,
  waiting,
}: {
  item: TInboxItem;
  detail: TInboxDetail;
  waiting: boolean;
}) {
  const revert = item.revert;
  return (
    <>
      <h3 className="mt-5 text-sm font-semibold">Change</h3>
      {revert && (
        <Alert
          tone={revert.deletes ? "warning" : "info"}
          className="mt-2"
          data-testid="revert-note"
        >
          {revert.deletes ? (
            <>
              <strong>Approving deletes {item.object} </strong>
              <Link
                className="font-mono underline"
                href={`/records/${item.recordId}?env=${item.environment}`}
              >
                {item.recordId}
              </Link>{" "}
              from Salesforce: the record{" "}
              <Link className="underline" href={`/requests/${revert.of}`}>
                the request it reverts
              </Link>{" "}
              created. If anyone changes it after the revert was asked for, the revert fails and the
              record stays.
            </>
          ) : (
            <>
              A person&apos;s revert of{" "}
              <Link className="underline" href={`/requests/${revert.of}`}>
                an earlier write
              </Link>
              : the proposed values are those before Tollgate wrote it. A field changed in
              Salesforce since is overwritten only where the person who asked chose to, with a
              reason.
            </>
          )}
          {detail.revertAsked && (
            <div className="mt-2" data-testid="revert-asked">
              {detail.revertAsked.by ?? "Someone"} asked: “{detail.revertAsked.reason}”
              {detail.revertAsked.overwriteReason && (
                <div className="mt-1 font-medium">
                  {revert.deletes
                    ? "The record was changed in Salesforce after Tollgate created it; they chose to delete it anyway: "
                    : "Some fields were changed in Salesforce since Tollgate wrote them; they chose to overwrite them: "}
                  “{detail.revertAsked.overwriteReason}”
                </div>
              )}
            </div>
          )}
        </Alert>
      )}
      {detail.currentError && <p className="mt-1 text-sm text-amber-800">{detail.currentError}</p>}
      {!revert?.deletes && (
        <TableFrame label="Diff" minWidth="24rem" dense className="mt-2">
          <TableHeader columns={["Field", "When proposed", "In Salesforce now", "Proposed"]} />
          <TableBody>
            {detail.diff.map((d) => {
              const drifted = d.current !== undefined && !same(d.current, d.whenProposed);
              return (
                <tr key={d.field} className="align-top">
                  <TableCell className="font-mono text-xs">{d.field}</TableCell>
                  <TableCell className="break-words text-muted">{show(d.whenProposed)}</TableCell>
                  <TableCell className={cx("break-words", drifted && "font-medium text-amber-800")}>
                    {!item.recordId ? (
                      <span className="text-muted">new record</span>
                    ) : d.current === undefined ? (
                      "—"
                    ) : (
                      show(d.current)
                    )}
                    {drifted && <div className="text-xs">changed since the proposal</div>}
                  </TableCell>
                  <TableCell className="break-words font-medium text-emerald-800">
                    {show(d.proposed)}
                  </TableCell>
                </tr>
              );
            })}
          </TableBody>
        </TableFrame>
      )}
      {detail.currentReadAt && (
        <p className="mt-1 text-xs text-muted">
          Read from Salesforce at {formatTime(detail.currentReadAt)}
        </p>
      )}

      <div className="mt-5 grid gap-4 md:grid-cols-2">
        <div className="min-w-0">
          <h3 className="text-sm font-semibold">Why</h3>
          <p className="mt-1 text-sm">
            {detail.reasonCode && <Badge tone="blue">{detail.reasonCode}</Badge>}{" "}
            {detail.reasonText ?? <span className="text-muted">no reason text</span>}
          </p>
          <h3 className="mt-3 text-sm font-semibold">Evidence</h3>
          {detail.evidence.length === 0 ? (
            <p className="text-sm text-muted">none attached</p>
          ) : (
            <ul className="mt-1 space-y-1 text-sm" aria-label="Evidence">
              {detail.evidence.map((e, n) => (
                <li key={n}>
                  <span className="text-muted">{e.type}: </span>
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
            <dt className="text-muted">Rule</dt>
            <dd className="break-all font-mono text-xs">{detail.rule.key ?? "—"}</dd>
            <dt className="text-muted">Mode</dt>
            <dd>{detail.mode?.replaceAll("_", " ") ?? "—"}</dd>
            <dt className="text-muted">Decided by</dt>
            <dd>
              {detail.approverRole?.replaceAll("_", " ") ?? "—"}
              {detail.escalatedTo
                ? ` (escalated to ${detail.escalatedTo.replaceAll("_", " ")})`
                : ""}
            </dd>
            <dt className="text-muted">Approvals</dt>
            <dd>
              {detail.approvals} of {detail.requiredApprovals}
            </dd>
            {detail.rule.slaMinutes && (
              <>
                <dt className="text-muted">SLA</dt>
                <dd>{duration(detail.rule.slaMinutes * 60_000)}</dd>
              </>
            )}
            {detail.rule.rollbackPlan && (
              <>
                <dt className="text-muted">Undo</dt>
                <dd>{detail.rule.rollbackPlan}</dd>
              </>
            )}
          </dl>
          {detail.reasons.length > 0 && (
            <ul className="mt-2 list-disc pl-5 text-xs text-muted">
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
                <span className="text-xs text-muted">{formatTime(d.at)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {waiting && detail.ownedByMe && (
        <p className="mt-4 text-sm text-amber-800">
          You own {detail.agent.slug}: for raised-risk or amount changes someone else must approve.
        </p>
      )}
    </>
  );
}
