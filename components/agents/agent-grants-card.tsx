"use client";

import { useState } from "react";
import { Badge, Button, Card, EmptyState, Table, useHydrated } from "@/components/ui";
import { formatTime } from "@/components/format";
import { countdown } from "./countdown";
import { GrantDialog, ReasonDialog } from "./grant-dialogs";
import { PermissionSets } from "./permission-sets";
import {
  useAgentGrants,
  type TAgentGrantsData,
  type TGrantRow,
  type TGrantSetRow,
} from "./queries";
import { useNow } from "./use-now";

type TRow = TGrantRow & { set: TGrantSetRow };
type TOpen =
  | { kind: "add"; setId?: string }
  | { kind: "edit"; row: TRow }
  | { kind: "revoke"; row: TRow }
  | null;

const scopeText = (g: TGrantRow) =>
  `${g.object} · ${g.operations.join("/")}${g.fields.length ? ` · ${g.fields.join(", ")}` : ""}`;

/**
 * What the agent may write: every grant of its permission sets (standing ones and elevations),
 * where it comes from, who gave it and when, and an elevation's countdown. An ops owner or admin
 * adds, edits (a revocation and a new grant) and revokes grants here, and attaches, detaches and
 * creates permission sets below. Revoked grants stay in the history (shown on demand).
 */
export function AgentGrantsCard(props: {
  agentId: string;
  initial: TAgentGrantsData;
  renderedAt: string;
  canEdit: boolean;
  retired: boolean;
}) {
  const hydrated = useHydrated();
  const now = useNow();
  const { data } = useAgentGrants(props.agentId, props.initial, props.renderedAt);
  const [open, setOpen] = useState<TOpen>(null);
  const [history, setHistory] = useState(false);
  const edit = props.canEdit && !props.retired;

  const rows: TRow[] = data.sets.flatMap((set) =>
    set.grants.filter((g) => history || !g.revokedAt).map((g) => ({ ...g, set })),
  );
  const revokedCount = data.sets.reduce(
    (n, s) => n + s.grants.filter((g) => g.revokedAt).length,
    0,
  );
  const standing = data.sets.filter((s) => !s.elevation);

  return (
    <Card aria-labelledby="grants-heading" className="mt-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="grants-heading" className="font-semibold">
            Grants
          </h2>
          <p className="mt-0.5 text-xs text-muted">
            What the agent may write, from its permission sets. A change applies on every instance
            within a second.
          </p>
        </div>
        <div className="flex items-center gap-3">
          {revokedCount > 0 && (
            <label className="flex items-center gap-1.5 text-xs">
              <input
                type="checkbox"
                checked={history}
                disabled={!hydrated}
                onChange={(e) => setHistory(e.target.checked)}
              />
              Show revoked ({revokedCount})
            </label>
          )}
          {edit && (
            <Button
              disabled={!hydrated || standing.length === 0}
              title={standing.length === 0 ? "Attach or create a permission set first" : undefined}
              onClick={() => setOpen({ kind: "add" })}
            >
              Add grant
            </Button>
          )}
        </div>
      </div>
      {props.canEdit && props.retired && (
        <p className="mt-2 text-xs text-muted">Retired: the agent's scope cannot change.</p>
      )}

      {rows.length === 0 ? (
        <EmptyState size="sm" className="mt-4">
          {data.sets.length === 0
            ? "No permission set: the agent can write nothing."
            : "No grant: the agent can write nothing."}
        </EmptyState>
      ) : (
        <div data-testid="agent-grants" className="mt-4">
          <Table.Frame label="Grants" minWidth="56rem" framed={false} dense>
            <Table.Header
              columns={[
                "Scope",
                "From",
                "Granted",
                "Ends",
                edit && { key: "actions", label: "Actions", align: "right" },
              ]}
            />
            <Table.Body>
              {rows.map((g) => {
                const ends = g.validUntil ? new Date(g.validUntil).getTime() : null;
                const state = g.revokedAt
                  ? "revoked"
                  : ends === null
                    ? null
                    : now === null
                      ? g.active
                        ? null
                        : "expired"
                      : countdown(ends, now);
                const live = !g.revokedAt && state !== "expired";
                return (
                  <tr
                    key={g.id}
                    data-testid={`grant-${g.id}`}
                    className={`align-top ${live ? "" : "text-muted"}`}
                  >
                    <Table.Cell>
                      <span className="font-medium">{g.object}</span> · {g.operations.join("/")}
                      {g.fields.length > 0 && <> · {g.fields.join(", ")}</>}
                      {g.recordCondition && (
                        <div className="font-mono text-[11px] text-muted">
                          where {g.recordCondition}
                        </div>
                      )}
                    </Table.Cell>
                    <Table.Cell>
                      <div>{g.set.name}</div>
                      <div className="text-[11px] text-muted">
                        {g.set.elevation
                          ? "elevation, this agent only"
                          : g.set.sharedWith.length
                            ? `shared with ${g.set.sharedWith.join(", ")}`
                            : "this agent only"}
                      </div>
                    </Table.Cell>
                    <Table.Cell>
                      <div>{g.grantedBy ?? "seeded"}</div>
                      <div className="text-[11px] text-muted">{formatTime(g.createdAt)}</div>
                      {g.reason && (
                        <div className="max-w-xs whitespace-normal text-[11px] text-muted">
                          “{g.reason}”
                        </div>
                      )}
                    </Table.Cell>
                    <Table.Cell>
                      {g.revokedAt ? (
                        <Badge tone="gray">revoked {formatTime(g.revokedAt)}</Badge>
                      ) : g.validUntil ? (
                        <>
                          <div className="text-amber-700">
                            {state === "expired" ? "expired " : "elevated until "}
                            {formatTime(g.validUntil)}
                          </div>
                          {state && state !== "expired" && (
                            <span data-testid="grant-countdown">
                              <Badge tone="amber">{state}</Badge>
                            </span>
                          )}
                        </>
                      ) : (
                        <span className="text-muted">standing</span>
                      )}
                    </Table.Cell>
                    {edit && (
                      <Table.Cell align="right" className="whitespace-nowrap">
                        {live && (
                          <div className="flex justify-end gap-2">
                            <Button
                              size="xs"
                              variant="secondary"
                              disabled={!hydrated}
                              aria-label={`Edit grant ${scopeText(g)}`}
                              onClick={() => setOpen({ kind: "edit", row: g })}
                            >
                              Edit
                            </Button>
                            <Button
                              size="xs"
                              variant="danger-outline"
                              disabled={!hydrated}
                              aria-label={`Revoke grant ${scopeText(g)}`}
                              onClick={() => setOpen({ kind: "revoke", row: g })}
                            >
                              Revoke
                            </Button>
                          </div>
                        )}
                      </Table.Cell>
                    )}
                  </tr>
                );
              })}
            </Table.Body>
          </Table.Frame>
        </div>
      )}

      <PermissionSets
        agentId={props.agentId}
        data={data}
        canEdit={edit}
        onAddGrant={(setId) => setOpen({ kind: "add", setId })}
      />

      {open?.kind === "add" && (
        <GrantDialog
          agentId={props.agentId}
          sets={data.sets}
          setId={open.setId}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === "edit" && (
        <GrantDialog
          agentId={props.agentId}
          sets={data.sets}
          grant={{ ...open.row, setId: open.row.set.id }}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === "revoke" && (
        <ReasonDialog
          agentId={props.agentId}
          title={`Revoke grant: ${scopeText(open.row)}`}
          description={
            open.row.set.sharedWith.length
              ? `${open.row.set.name} is shared with ${open.row.set.sharedWith.join(", ")}: they lose it too. It stops applying within a second.`
              : "The agent loses this scope within a second. The grant stays in the history."
          }
          formLabel="Revoke grant"
          confirm="Revoke grant"
          busyLabel="Revoking…"
          danger
          path={`grants/${open.row.id}`}
          method="DELETE"
          onClose={() => setOpen(null)}
        />
      )}
    </Card>
  );
}
