"use client";

import { useState } from "react";
import { Badge, Button, Card, Table } from "@/components/ui";
import { formatTime } from "@/components/format";
import { KillSwitchControls } from "@/components/kill-switch-controls";
import type { TChangeWindow } from "@/lib/policy/types";
import { DAY_LABELS } from "@/lib/workflows/workflow-schema";
import { useWorkflow, useCreateVersion, type TDetail, type TVersion } from "./queries";
import { VersionForm } from "./version-form";
import { VersionStep } from "./version-step";
import { WindowCalendar } from "./window-calendar";
import { CanaryCard } from "./canary-card";

const STATUS_TONE = { draft: "violet", published: "green", retired: "gray" } as const;

function describeDays(w: TChangeWindow) {
  const days = [...w.days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
  return days.map((d) => DAY_LABELS[d]).join(" ");
}

function role(v: TVersion, d: TDetail) {
  if (v.id === d.canaryId) return `canary · ${v.rolloutPercent}%`;
  if (v.id === d.baselineId) return "baseline · 100%";
  return null;
}

/** A workflow's page: its versions and their canary steps, the windows as a week, its switch. */
export function WorkflowDetail(props: {
  initial: TDetail;
  now: string;
  canEdit: boolean;
  canTrip: boolean;
}) {
  const { data: d, refetch } = useWorkflow(props.initial.workflow.id, props.initial);
  const [copyOf, setCopyOf] = useState<string | null>(null);
  const create = useCreateVersion(d.workflow.id);
  const draft = d.versions.find((v) => v.status === "draft") ?? null;
  const canary = d.versions.find((v) => v.id === d.canaryId) ?? null;
  const baseline = d.versions.find((v) => v.id === d.baselineId) ?? null;
  const copying = d.versions.find((v) => v.id === copyOf) ?? null;
  const [shownId, setShownId] = useState<string | null>(null);
  const shown =
    d.versions.find((v) => v.id === shownId) ?? draft ?? canary ?? baseline ?? d.versions[0];
  const published = d.versions.some((v) => v.status !== "draft");

  return (
    <div className="space-y-6">
      <Card>
        <div className="flex flex-wrap items-start justify-between gap-4">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Owner</dt>
            <dd>{d.workflow.owner}</dd>
            <dt className="text-muted">Baseline</dt>
            <dd data-testid="baseline">{baseline ? `Version ${baseline.version}` : "none"}</dd>
            <dt className="text-muted">Canary</dt>
            <dd data-testid="canary">
              {canary
                ? `Version ${canary.version} on ${canary.rolloutPercent}% of accounts`
                : "none rolling out"}
            </dd>
          </dl>
          {props.canEdit && !draft && (
            <div className="flex flex-col items-end gap-1">
              <Button
                busy={create.isPending}
                busyLabel="Creating…"
                onClick={() => create.mutate({})}
              >
                New version
              </Button>
              <span className="text-xs text-muted">a draft copying the newest version</span>
              {create.error && (
                <span role="alert" className="text-xs text-danger">
                  {create.error.message}
                </span>
              )}
            </div>
          )}
        </div>
      </Card>

      <CanaryCard workflowId={d.workflow.id} />

      <section aria-labelledby="versions-heading" className="space-y-2">
        <h2 id="versions-heading" className="text-base font-semibold">
          Versions
        </h2>
        <Table.Frame label="Workflow versions" minWidth="56rem">
          <Table.Header
            columns={[
              "Version",
              "Status",
              "Action types",
              "Change windows",
              { label: "Requests 7 d / 30 d", key: "requests", align: "right" },
              "Published",
              "",
            ]}
          />
          <Table.Body>
            {d.versions.map((v) => (
              <tr key={v.id} data-testid={`version-${v.version}`} className="align-top">
                <Table.Cell className="relative font-medium">
                  v{v.version}
                  {v.notes && (
                    <div className="max-w-48 text-xs font-normal text-muted">{v.notes}</div>
                  )}
                </Table.Cell>
                <Table.Cell>
                  <Badge tone={STATUS_TONE[v.status]}>{v.status}</Badge>
                  {role(v, d) && (
                    <div
                      className="mt-1 whitespace-nowrap text-xs text-muted"
                      data-testid="rollout"
                    >
                      {role(v, d)}
                    </div>
                  )}
                </Table.Cell>
                <Table.Cell>
                  <ul className="space-y-0.5 font-mono text-xs">
                    {v.actionTypes.map((a) => (
                      <li key={a}>{a}</li>
                    ))}
                  </ul>
                </Table.Cell>
                <Table.Cell className="text-xs">
                  {v.changeWindows.length === 0 ? (
                    <span className="text-muted">any time</span>
                  ) : (
                    <ul className="space-y-1">
                      {v.changeWindows.map((w, i) => (
                        <li key={i}>
                          <div className="whitespace-nowrap">{describeDays(w)}</div>
                          <div className="whitespace-nowrap text-muted">
                            {w.start}–{w.end} {w.tz ?? "UTC"}
                          </div>
                        </li>
                      ))}
                    </ul>
                  )}
                </Table.Cell>
                <Table.Cell
                  align="right"
                  className="whitespace-nowrap tabular-nums"
                  data-testid="requests"
                >
                  <span data-testid="requests-7d">{v.requests.last7}</span> /{" "}
                  <span data-testid="requests-30d">{v.requests.last30}</span>
                </Table.Cell>
                <Table.Cell className="text-xs">
                  {v.publishedAt ? (
                    <>
                      <div className="whitespace-nowrap">{formatTime(v.publishedAt)}</div>
                      <div className="text-muted">by {v.publishedBy ?? "unknown"}</div>
                    </>
                  ) : (
                    <div className="text-muted">
                      drafted {v.createdBy ? `by ${v.createdBy}` : ""}
                      <div className="whitespace-nowrap">{formatTime(v.createdAt)}</div>
                    </div>
                  )}
                  {v.retiredAt && (
                    <div className="mt-1 whitespace-nowrap text-muted">
                      retired {formatTime(v.retiredAt)}
                    </div>
                  )}
                </Table.Cell>
                {/* relative: the buttons' sr-only text must stay inside the scrolling frame */}
                <Table.Cell className="relative">
                  <div className="flex flex-wrap justify-end gap-2">
                    {props.canEdit && v.status === "draft" && (
                      <>
                        <VersionStep
                          workflowId={d.workflow.id}
                          version={v}
                          step="publish"
                          firstVersion={!published}
                        />
                        <VersionStep workflowId={d.workflow.id} version={v} step="discard" />
                      </>
                    )}
                    {props.canEdit && v.id === d.canaryId && (
                      <>
                        <VersionStep workflowId={d.workflow.id} version={v} step="promote" />
                        <VersionStep workflowId={d.workflow.id} version={v} step="rollback" />
                      </>
                    )}
                    {props.canEdit && v.status !== "draft" && !draft && (
                      <Button size="sm" variant="secondary" onClick={() => setCopyOf(v.id)}>
                        Change…<span className="sr-only"> (a new version from v{v.version})</span>
                      </Button>
                    )}
                    <Button size="sm" variant="ghost" onClick={() => setShownId(v.id)}>
                      Calendar<span className="sr-only"> of v{v.version}</span>
                    </Button>
                  </div>
                </Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
        <p className="text-xs text-muted">
          Accounts are bucketed sticky: a canary at 5% → 25% → 100% only ever adds accounts, and an
          account asked again lands on the same version. Request counts are the agent requests each
          version took.
        </p>
      </section>

      {props.canEdit && draft && (
        <VersionForm
          key={draft.id}
          workflowId={d.workflow.id}
          mode="edit"
          version={draft}
          catalog={d.actionTypes}
        />
      )}
      {props.canEdit && !draft && copying && (
        <VersionForm
          key={copying.id}
          workflowId={d.workflow.id}
          mode="copy"
          version={copying}
          catalog={d.actionTypes}
          onClose={() => setCopyOf(null)}
        />
      )}

      {shown && (
        <Card aria-labelledby="calendar-heading">
          <h2 id="calendar-heading" className="mb-3 text-base font-semibold">
            Change windows this week
          </h2>
          <WindowCalendar
            key={shown.id}
            windows={shown.changeWindows}
            now={props.now}
            title={`Version ${shown.version} (${shown.status}): when its agents' writes are allowed.`}
          />
        </Card>
      )}

      <Card aria-labelledby="switch-heading" data-testid="workflow-kill-switch">
        <div className="grid grid-cols-[minmax(0,1fr)_auto] gap-x-4 gap-y-3">
          <div>
            <div className="flex items-center gap-3">
              <h2 id="switch-heading" className="text-base font-semibold">
                Kill switch
              </h2>
              <Badge tone={d.killSwitch.engaged ? "red" : "green"}>
                {d.killSwitch.engaged ? "Engaged" : "Off"}
              </Badge>
            </div>
            <p className="mt-1 text-sm text-muted">
              {d.killSwitch.engaged
                ? `Tripped ${formatTime(d.killSwitch.engagedAt)} by ${d.killSwitch.engagedBy ?? "unknown"}: “${d.killSwitch.reason}”. Every request under this workflow is refused.`
                : d.killSwitch.resetAt
                  ? `Reset ${formatTime(d.killSwitch.resetAt)} by ${d.killSwitch.resetBy ?? "unknown"}${d.killSwitch.resetReason ? `: “${d.killSwitch.resetReason}”` : ""}.`
                  : "Tripping it refuses every agent request under this workflow and halts its queued approved work."}
              {!props.canTrip && " Only admins trip and reset it."}
            </p>
          </div>
          {props.canTrip ? (
            <KillSwitchControls
              row={d.killSwitch}
              onChanged={async () => {
                await refetch();
              }}
              buttonCell="self-start"
              panelCell="col-span-2"
            />
          ) : (
            <div />
          )}
        </div>
      </Card>
    </div>
  );
}
