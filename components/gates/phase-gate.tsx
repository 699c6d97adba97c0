"use client";

import { useState } from "react";
import { Badge, Button, Card, Table, useHydrated } from "@/components/ui";
import { formatTime } from "@/components/format";
import { CriteriaDialog } from "./criteria-dialog";
import { GateChecks } from "./gate-checks";
import { PhaseDialog } from "./phase-dialog";
import { useGate, type TGateView } from "./queries";

const KIND_LABEL: Record<string, string> = {
  promotion: "Promotion",
  demotion: "Demotion",
  auto_demotion: "Automatic demotion",
};

/**
 * The agent's phase gate on its page: the phase and since when, each criterion met or not with
 * its evidence, the criteria (defaults or a risk owner's), promotion and demotion for ops
 * owners, and the phase's history.
 */
export function PhaseGate(props: {
  agentId: string;
  agentName: string;
  initial: TGateView;
  renderedAt: string;
  canPromote: boolean;
  canSetCriteria: boolean;
  retired: boolean;
}) {
  const hydrated = useHydrated();
  const { data } = useGate(props.agentId, props.initial, props.renderedAt);
  const { gate, changes } = data;
  const [dialog, setDialog] = useState<"promote" | "demote" | "criteria" | null>(null);
  const c = gate.criteria;
  const live = !props.retired && gate.agent.status !== "retired";

  return (
    <Card aria-labelledby="gate-heading" className="mt-4" data-testid="phase-gate">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="gate-heading" className="font-semibold">
            Phase gate
          </h2>
          <p className="mt-0.5 text-xs text-muted">
            In <span data-testid="gate-phase">{gate.phase}</span> phase since{" "}
            {formatTime(gate.phaseSince)}; record measured from {formatTime(gate.from)}.{" "}
            {gate.next
              ? gate.allMet
                ? `Every criterion is met: it may be promoted to ${gate.next}.`
                : `Promotion to ${gate.next} needs every criterion met.`
              : "Execute is the last phase."}
          </p>
        </div>
        {live && (
          <div className="flex flex-wrap gap-2">
            {props.canSetCriteria && (
              <Button
                variant="secondary"
                disabled={!hydrated}
                onClick={() => setDialog("criteria")}
              >
                Set criteria
              </Button>
            )}
            {props.canPromote && gate.phase !== "observe" && (
              <Button
                variant="danger-outline"
                disabled={!hydrated}
                onClick={() => setDialog("demote")}
              >
                Demote
              </Button>
            )}
            {props.canPromote && gate.next && (
              <Button disabled={!hydrated} onClick={() => setDialog("promote")}>
                Promote to {gate.next}
              </Button>
            )}
          </div>
        )}
      </div>

      <div className="mt-3">
        <GateChecks checks={gate.checks} />
      </div>
      <p className="mt-2 text-xs text-muted" data-testid="gate-criteria-source">
        {c.isDefault
          ? "Default criteria (no risk owner has set this agent's yet)."
          : `Criteria set by ${c.setBy} on ${formatTime(c.setAt)}: “${c.reason}”.`}{" "}
        Automatic demotion on a breach in execute phase is {c.autoDemote ? "on" : "off"}.
      </p>

      {changes.length > 0 && (
        <Table.Frame label="Phase changes" minWidth="40rem" framed={false} dense className="mt-3">
          <Table.Header columns={["When", "Change", "By", "Why"]} />
          <Table.Body>
            {changes.map((ch) => (
              <tr key={ch.id} className="align-top">
                <Table.Cell>{formatTime(ch.createdAt)}</Table.Cell>
                <Table.Cell>
                  <Badge tone={ch.kind === "promotion" ? "green" : "amber"}>
                    {KIND_LABEL[ch.kind] ?? ch.kind}
                  </Badge>{" "}
                  {ch.fromPhase} → {ch.toPhase}
                </Table.Cell>
                <Table.Cell>{ch.actor ?? "Tollgate"}</Table.Cell>
                <Table.Cell className="max-w-md whitespace-normal">{ch.reason}</Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}

      {live && props.canPromote && (dialog === "promote" || dialog === "demote") && (
        <PhaseDialog
          agentId={props.agentId}
          agentName={props.agentName}
          mode={dialog}
          gate={gate}
          open
          onOpenChange={(o) => !o && setDialog(null)}
        />
      )}
      {live && props.canSetCriteria && dialog === "criteria" && (
        <CriteriaDialog
          agentId={props.agentId}
          agentName={props.agentName}
          criteria={c}
          open
          onOpenChange={(o) => !o && setDialog(null)}
        />
      )}
    </Card>
  );
}
