"use client";

import Link from "next/link";
import { useState } from "react";
import { Alert, Badge, Button, Card, EmptyState, Table } from "@/components/ui";
import { formatTime } from "@/components/format";
import { MODE_LABELS } from "@/lib/matrix/rule-schema";
import { RuleForm } from "./rule-form";
import { useSimulation, useVersion, type TVersionDetail } from "./queries";
import { VersionStep } from "./version-step";
import { STATUS_TONE } from "./version-history";

type TRule = TVersionDetail["rules"][number];

/**
 * One matrix version: its rules (editable while it is the draft), its changes against the active
 * version, the simulation of those changes on the last 30 days, and the step it allows next —
 * publish or discard a draft, roll back to a superseded version.
 */
export function VersionEditor(props: {
  initial: TVersionDetail;
  viewerId: string;
  canEdit: boolean;
  canPublish: boolean;
}) {
  const { data } = useVersion(props.initial.version.id, props.initial);
  const { version, active, rules, diff, groups } = data;
  const [editing, setEditing] = useState<TRule | null>(null);
  const [simulate, setSimulate] = useState(false);
  const groupName = (key: string | null | undefined) =>
    key ? (groups.find((g) => g.key === key)?.name ?? key) : null;
  const isDraft = version.status === "draft";
  const authored =
    version.createdById === props.viewerId || version.editorIds.includes(props.viewerId);
  const notYours = authored
    ? isDraft
      ? "You drafted or edited this version: another risk owner or admin must publish it"
      : "You authored this version: another risk owner or admin must roll back to it"
    : null;

  return (
    <div className="space-y-6">
      <Card padding="sm" aria-label="About this version">
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-xs text-muted">Status</dt>
            <dd>
              <Badge tone={STATUS_TONE[version.status] ?? "gray"}>{version.status}</Badge>
              {version.origin === "rollback" && (
                <span className="ml-2 text-xs text-muted">
                  rollback to version {version.basedOnVersion}
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-muted">Drafted by</dt>
            <dd data-testid="version-authors">
              {version.author ?? "—"}
              {version.editors.length > 1 && ` (edited by ${version.editors.join(", ")})`}
              {version.basedOnVersion && version.origin === "draft" && (
                <span className="text-muted"> · from version {version.basedOnVersion}</span>
              )}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-muted">Published</dt>
            <dd>
              {version.publishedAt
                ? `${formatTime(version.publishedAt)} by ${version.publishedBy ?? "the seed"}`
                : "not yet"}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-muted">Why</dt>
            <dd>{version.publishReason ?? version.note ?? "—"}</dd>
          </div>
        </dl>
        <div className="mt-4 flex flex-wrap items-center gap-2">
          {isDraft && props.canPublish && (
            <VersionStep
              versionId={version.id}
              step="publish"
              activeVersion={active?.version ?? null}
              draftUpdatedAt={version.updatedAt}
              disabledReason={notYours}
            />
          )}
          {isDraft && props.canEdit && (
            <VersionStep
              versionId={version.id}
              step="discard"
              activeVersion={active?.version ?? null}
            />
          )}
          {version.status === "superseded" && props.canPublish && (
            <VersionStep
              versionId={version.id}
              step="rollback"
              activeVersion={active?.version ?? null}
              disabledReason={notYours}
            />
          )}
          {notYours && (isDraft || version.status === "superseded") && props.canPublish && (
            <span className="text-xs text-muted" data-testid="not-yours">
              {notYours}
            </span>
          )}
          {isDraft && !props.canPublish && (
            <span className="text-xs text-muted">
              A risk owner or admin who did not edit this draft publishes it.
            </span>
          )}
        </div>
      </Card>

      {version.status !== "active" && (
        <section aria-labelledby="diff-title" className="space-y-2">
          <h2 id="diff-title" className="text-base font-semibold">
            Changes against the active version{active ? ` (version ${active.version})` : ""}
          </h2>
          {diff.length === 0 ? (
            <EmptyState size="sm">No rule differs from the active version.</EmptyState>
          ) : (
            <Table.Frame label="Changes against the active version" minWidth="44rem">
              <Table.Header columns={["Rule", "Setting", "Before", "After"]} />
              <Table.Body>
                {diff.flatMap((d) =>
                  d.settings.map((s, i) => (
                    <tr key={`${d.actionType}-${s.setting}`} data-testid={`diff-${d.actionType}`}>
                      <Table.Cell className="font-mono text-xs">
                        {i === 0 ? d.actionType : ""}
                        {i === 0 && d.change !== "changed" && (
                          <Badge className="ml-1">{d.change}</Badge>
                        )}
                      </Table.Cell>
                      <Table.Cell>{s.setting}</Table.Cell>
                      <Table.Cell className="text-muted [overflow-wrap:anywhere]">
                        {s.before}
                      </Table.Cell>
                      <Table.Cell className="font-medium [overflow-wrap:anywhere]">
                        {s.after}
                      </Table.Cell>
                    </tr>
                  )),
                )}
              </Table.Body>
            </Table.Frame>
          )}
          {diff.length > 0 && (
            <Simulation versionId={version.id} run={simulate} onRun={() => setSimulate(true)} />
          )}
        </section>
      )}

      <section aria-labelledby="rules-title" className="space-y-2">
        <h2 id="rules-title" className="text-base font-semibold">
          Rules
        </h2>
        <Table.Frame label="Rules of this version" minWidth="52rem">
          <Table.Header
            columns={[
              "Action",
              "Mode",
              "Approver",
              "Approvals",
              "SLA",
              "Raised when",
              isDraft && props.canEdit ? "" : false,
            ]}
          />
          <Table.Body>
            {rules.map((r) => (
              <tr key={r.actionType} data-testid={`rule-${r.actionType}`} className="align-top">
                <Table.Cell>
                  <div className="font-medium">{r.actionName}</div>
                  <div className="font-mono text-xs text-muted">{r.actionType}</div>
                </Table.Cell>
                <Table.Cell>{MODE_LABELS[r.mode]}</Table.Cell>
                <Table.Cell>
                  {groupName(r.approverRole) ?? <span className="text-muted">None</span>}
                </Table.Cell>
                <Table.Cell className="tabular-nums">
                  {r.mode === "auto" ? "—" : r.requiredApprovals}
                </Table.Cell>
                <Table.Cell className="whitespace-nowrap">
                  {r.slaMinutes ? `${r.slaMinutes} min` : "—"}
                </Table.Cell>
                <Table.Cell className="text-xs">
                  {r.conditions.length === 0 && <span className="text-muted">—</span>}
                  {r.conditions.map((c) => (
                    <div key={c.name} className="mb-1">
                      <span className="font-medium">{c.name}</span>
                      <div className="font-mono text-[11px] text-muted [overflow-wrap:anywhere]">
                        {c.when}
                      </div>
                    </div>
                  ))}
                </Table.Cell>
                {isDraft && props.canEdit && (
                  <Table.Cell>
                    <Button
                      variant="secondary"
                      size="xs"
                      onClick={() => setEditing(r)}
                      aria-label={`Edit ${r.actionName}`}
                    >
                      Edit
                    </Button>
                  </Table.Cell>
                )}
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      </section>
      {editing && (
        <RuleForm
          versionId={version.id}
          actionType={editing.actionType}
          actionName={editing.actionName}
          fields={editing.fields}
          groups={groups}
          initial={(({ actionType: _a, actionName: _n, fields: _f, ...settings }) => settings)(
            editing,
          )}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function Simulation(props: { versionId: string; run: boolean; onRun: () => void }) {
  const { data, error, isFetching } = useSimulation(props.versionId, props.run);
  return (
    <Card padding="sm" aria-labelledby="simulation-title" data-testid="simulation">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="simulation-title" className="text-sm font-semibold">
          Simulation: the last 30 days replayed through this version
        </h3>
        <Button
          variant="secondary"
          size="xs"
          busy={isFetching}
          busyLabel="Replaying…"
          onClick={props.onRun}
        >
          {data ? "Run again" : "Run simulation"}
        </Button>
      </div>
      {error && (
        <Alert tone="error" size="sm" className="mt-2">
          {error.message}
        </Alert>
      )}
      {data && (
        <div className="mt-3 space-y-2 text-sm">
          <p data-testid="simulation-summary">
            {data.changed.toLocaleString("en-US")} of {data.replayed.toLocaleString("en-US")}{" "}
            recorded requests would get another outcome (
            {data.actionTypes.join(", ") || "no rule changes a decision"}).
          </p>
          {data.changes.length > 0 && (
            <Table.Frame label="Outcomes that would change" minWidth="36rem">
              <Table.Header columns={["Change", "Requests", "Examples"]} />
              <Table.Body>
                {data.changes.map((c) => (
                  <tr key={c.change}>
                    <Table.Cell className="font-medium">{c.change}</Table.Cell>
                    <Table.Cell className="tabular-nums">
                      {c.count.toLocaleString("en-US")}
                    </Table.Cell>
                    <Table.Cell className="text-xs">
                      {c.examples.map((e) => (
                        <Link
                          key={e.id}
                          href={`/requests/${e.id}`}
                          title={e.id}
                          className="mr-3 inline-block text-link hover:underline"
                        >
                          {e.record ?? e.id}
                        </Link>
                      ))}
                    </Table.Cell>
                  </tr>
                ))}
              </Table.Body>
            </Table.Frame>
          )}
        </div>
      )}
    </Card>
  );
}
