"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Badge, Button, Card, EmptyState, Table, useHydrated } from "@/components/ui";
import { formatTime } from "@/components/format";
import { countdown } from "./countdown";
import { ElevateDialog } from "./elevate-dialog";
import { ReasonDialog } from "./grant-dialogs";
import { useElevations, type TElevationRow } from "./queries";
import { useNow } from "./use-now";

/**
 * An agent's time-bounded elevations: what each lets the agent do, who gave it and why, and a
 * countdown to its end from the browser's clock ("expires in 59 min", then "expired"). An
 * admin gives a new one here; an ops owner or admin ends a live one early ("End now": the grant
 * is revoked, so the policy stops honouring it within a second).
 */
export function AgentElevations(props: {
  agentId: string;
  agentName: string;
  initial: TElevationRow[];
  renderedAt: string;
  canElevate: boolean;
  /** may end an elevation early (grants:write) */
  canEnd: boolean;
  retired: boolean;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { data: elevations } = useElevations(props.agentId, props.initial, props.renderedAt);
  const [open, setOpen] = useState(false);
  const [ending, setEnding] = useState<TElevationRow | null>(null);
  const now = useNow();

  return (
    <Card aria-labelledby="elevations-heading" className="mt-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="elevations-heading" className="font-semibold">
            Time-bounded elevations
          </h2>
          <p className="mt-0.5 text-xs text-muted">
            Extra scope for a few hours. Each ends by itself; the policy stops honouring it at its
            end on every instance within a second.
          </p>
        </div>
        {props.canElevate && !props.retired && (
          <Button disabled={!hydrated} onClick={() => setOpen(true)}>
            Elevate
          </Button>
        )}
      </div>
      {props.canElevate && props.retired && (
        <p className="mt-2 text-xs text-muted">This agent is retired: it cannot be elevated.</p>
      )}

      {elevations.length === 0 ? (
        <EmptyState size="sm" className="mt-4">
          No elevation. The agent has only its permission sets&apos; standing grants.
        </EmptyState>
      ) : (
        <Table.Frame label="Elevations" minWidth="48rem" framed={false} dense className="mt-4">
          <Table.Header
            columns={[
              "Scope",
              "Why",
              "Given by",
              "Ends",
              "State",
              props.canEnd && { key: "actions", label: "Actions", align: "right" },
            ]}
          />
          <Table.Body>
            {elevations.map((e) => {
              const ends = new Date(e.validUntil).getTime();
              // before hydration (and on the server) the server's own verdict
              const state = e.revokedAt
                ? "ended early"
                : now === null
                  ? e.expired
                    ? "expired"
                    : null
                  : countdown(ends, now);
              const live = !e.revokedAt && state !== "expired";
              return (
                <tr
                  key={e.id}
                  data-testid={`elevation-${e.id}`}
                  className={`align-top ${live ? "" : "text-muted"}`}
                >
                  <Table.Cell>
                    <span className="font-medium">{e.object}</span> · {e.operations.join("/")}
                    {e.fields.length > 0 && <> · {e.fields.join(", ")}</>}
                    {e.recordCondition && (
                      <div className="font-mono text-[11px] text-muted">
                        where {e.recordCondition}
                      </div>
                    )}
                  </Table.Cell>
                  <Table.Cell className="max-w-xs whitespace-normal">{e.reason}</Table.Cell>
                  <Table.Cell>{e.grantedBy ?? "—"}</Table.Cell>
                  <Table.Cell>{formatTime(e.revokedAt ?? e.validUntil)}</Table.Cell>
                  <Table.Cell>
                    <span data-testid="elevation-state">
                      <Badge tone={live ? "amber" : "gray"}>{state ?? "active"}</Badge>
                    </span>
                  </Table.Cell>
                  {props.canEnd && (
                    <Table.Cell align="right">
                      {live && !props.retired && (
                        <Button
                          size="xs"
                          variant="danger-outline"
                          disabled={!hydrated}
                          onClick={() => setEnding(e)}
                        >
                          End now
                        </Button>
                      )}
                    </Table.Cell>
                  )}
                </tr>
              );
            })}
          </Table.Body>
        </Table.Frame>
      )}

      {ending && (
        <ReasonDialog
          agentId={props.agentId}
          title={`End the elevation now: ${ending.object} · ${ending.operations.join("/")}`}
          description="The agent loses this scope within a second, before its end. It stays in the history as ended early."
          formLabel="End elevation"
          confirm="End it now"
          busyLabel="Ending…"
          danger
          path={`grants/${ending.id}`}
          method="DELETE"
          onClose={() => setEnding(null)}
        />
      )}

      {props.canElevate && !props.retired && (
        <ElevateDialog
          agentId={props.agentId}
          agentName={props.agentName}
          open={open}
          onOpenChange={setOpen}
          onDone={() => router.refresh()}
        />
      )}
    </Card>
  );
}
