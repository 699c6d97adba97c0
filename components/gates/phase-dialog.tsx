"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Alert, Button, Dialog, Field, ReasonField, Select } from "@/components/ui";
import { ApiError } from "@/components/send-json";
import { PHASES, ZPhaseChangeInput, type TPhase } from "@/lib/gates/schemas";
import { GateChecks } from "./gate-checks";
import { useChangePhase, type TGateView } from "./queries";

const pct = (r: number | null) =>
  r === null ? "–" : `${(Math.round(r * 10_000) / 100).toString()} %`;

/**
 * Promote (one phase up) or demote (any phase below), with a reason. A promotion shows the
 * measured record and each criterion; the server decides — a criterion unmet by the time it
 * arrives is refused there, and the refusal is shown here with each unmet criterion.
 */
export function PhaseDialog(props: {
  agentId: string;
  agentName: string;
  mode: "promote" | "demote";
  gate: TGateView["gate"];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const change = useChangePhase(props.agentId);
  const router = useRouter();
  const { gate } = props;
  const below = PHASES.slice(0, PHASES.indexOf(gate.phase as TPhase));
  const [to, setTo] = useState<string>(below[below.length - 1] ?? "");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<{ message: string; items: string[] } | null>(null);
  const [reasonError, setReasonError] = useState<string | undefined>();
  const target = props.mode === "promote" ? (gate.next ?? "") : to;
  const unmet = gate.checks.filter((c) => !c.met);

  function close(next: boolean) {
    if (!next) {
      setReason("");
      setError(null);
      setReasonError(undefined);
      change.reset();
    }
    props.onOpenChange(next);
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const input = { from: gate.phase as TPhase, to: target as TPhase, reason };
    const checked = ZPhaseChangeInput.safeParse(input);
    if (!checked.success) {
      setReasonError(checked.error.issues.find((i) => i.path[0] === "reason")?.message);
      const other = checked.error.issues.filter((i) => i.path[0] !== "reason");
      setError(
        other.length ? { message: other.map((i) => i.message).join(" · "), items: [] } : null,
      );
      return;
    }
    setReasonError(undefined);
    setError(null);
    change.mutate(input, {
      onSuccess: () => {
        close(false);
        // the header's phase badge is the server's
        router.refresh();
      },
      onError: (err) => {
        if (err instanceof ApiError && err.code === "criteria_unmet") {
          setError({
            message: "Refused: not every criterion is met.",
            items: err.errors.map((i) => i.message),
          });
        } else if (err instanceof ApiError && err.errors.some((i) => i.path === "reason")) {
          setReasonError(err.errors.find((i) => i.path === "reason")?.message);
        } else setError({ message: err.message, items: [] });
      },
    });
  }

  const r = gate.record;
  return (
    <Dialog
      open={props.open}
      onOpenChange={close}
      title={
        props.mode === "promote"
          ? `Promote ${props.agentName} to ${gate.next}`
          : `Demote ${props.agentName}`
      }
      description={
        props.mode === "promote"
          ? "Allowed only when every criterion below is met; the server checks them again when you confirm. The reason goes into the audit trail."
          : "A demotion is always allowed. The reason goes into the audit trail."
      }
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Phase change">
        {props.mode === "promote" && (
          <>
            <dl
              className="grid grid-cols-2 gap-x-4 gap-y-1 rounded-md bg-slate-50 p-3 text-sm sm:grid-cols-3"
              data-testid="promotion-record"
            >
              <Fig label={`Proposals in ${gate.phase}`} value={String(r.proposed)} />
              <Fig label="Writes" value={String(r.writes)} />
              <Fig label="Reversal rate" value={pct(r.reversalRate)} />
              <Fig label="Executed" value={String(r.executed)} />
              <Fig label="Exception rate" value={pct(r.exceptionRate)} />
              <Fig label="P0 incidents" value={String(r.p0Incidents)} />
            </dl>
            <GateChecks checks={gate.checks} />
            {unmet.length > 0 && (
              <Alert tone="warning" size="sm">
                {unmet.length} {unmet.length === 1 ? "criterion is" : "criteria are"} not met: the
                promotion will be refused.
              </Alert>
            )}
          </>
        )}
        {props.mode === "demote" && (
          <Field label="Demote to">
            <Select value={to} onChange={(e) => setTo(e.target.value)}>
              {below.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </Select>
          </Field>
        )}
        <ReasonField label="Reason" error={reasonError} value={reason} onChange={setReason} />
        {error && (
          <Alert tone="error" size="sm">
            <div data-testid="phase-error">{error.message}</div>
            {error.items.length > 0 && (
              <ul className="mt-1 list-disc pl-4">
                {error.items.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            )}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => close(false)}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant={props.mode === "demote" ? "danger" : "primary"}
            busy={change.isPending}
            busyLabel={props.mode === "promote" ? "Promoting…" : "Demoting…"}
          >
            {props.mode === "promote" ? `Promote to ${gate.next}` : "Demote"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function Fig({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="font-medium tabular-nums">{value}</dd>
    </div>
  );
}
