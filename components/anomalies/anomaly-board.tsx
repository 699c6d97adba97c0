"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Badge,
  Button,
  Card,
  Dialog,
  EmptyState,
  Field,
  Input,
  ReasonField,
  Select,
  TableBody,
  TableCell,
  TableFrame,
  TableHeader,
  type TBadgeTone,
  useAction,
  useHydrated,
} from "@/components/ui";
import { formatTime } from "@/components/format";
import { ApiError, sendJson } from "@/components/send-json";
import { ZAnomalyRuleInput } from "@/lib/anomalies/score";
import type { TAnomalyRow } from "@/lib/anomalies/list-anomalies";
import type { TAnomalyRuleRow } from "@/lib/anomalies/rules";
import type { TDigestRow } from "@/lib/anomalies/digest";

export type TAnomalyData = {
  anomalies: TAnomalyRow[];
  rules: TAnomalyRuleRow[];
  digests: TDigestRow[];
};
type TChoice = { id: string; name: string };

const ACTION: Record<string, { label: string; tone: TBadgeTone }> = {
  alerted: { label: "alerted", tone: "amber" },
  tripped: { label: "switch tripped", tone: "red" },
  already_tripped: { label: "switch already on", tone: "red" },
  trip_failed: { label: "trip failed", tone: "red" },
  tripping: { label: "tripping…", tone: "blue" },
  alerting: { label: "alerting…", tone: "blue" },
};

const one = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const minutes = (a: TAnomalyRow) =>
  Math.round((Date.parse(a.windowEnd) - Date.parse(a.windowStart)) / 60_000);

/**
 * The anomalies page: what fired (newest first) with its figures and what was done, the rules
 * with their thresholds and automatic trip (edited by ops and risk owners), and the weekly
 * digests sent. Reads itself again every 15 s.
 */
export function AnomalyBoard(props: {
  initial: TAnomalyData;
  agents: TChoice[];
  actionTypes: TChoice[];
  canAcknowledge: boolean;
  canEditRules: boolean;
  canSendDigest: boolean;
}) {
  const client = useQueryClient();
  const data = useQuery({
    queryKey: ["anomalies"],
    queryFn: () => sendJson<TAnomalyData>("/api/internal/anomalies"),
    initialData: props.initial,
    refetchInterval: 15_000,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ["anomalies"] });
  const ack = useAction();
  const [editing, setEditing] = useState<TAnomalyRuleRow | "new" | null>(null);
  const hydrated = useHydrated();

  return (
    <div className="space-y-6">
      <section aria-labelledby="anomalies-list" className="space-y-3">
        <h2 id="anomalies-list" className="text-sm font-semibold">
          What fired
        </h2>
        {ack.error && <Alert tone="error">{ack.error}</Alert>}
        {data.data.anomalies.length === 0 ? (
          <EmptyState title="No anomaly yet">
            When an agent&apos;s rate of an action type rises far above its own baseline, the
            episode shows here with its figures and what was done.
          </EmptyState>
        ) : (
          <TableFrame label="Anomalies" minWidth="44rem" dense>
            <TableHeader
              columns={["Fired", "Agent", "Action type", "Figures", "What was done", "State", ""]}
            />
            <TableBody>
              {data.data.anomalies.map((a) => (
                <tr key={a.id} className="align-top" data-testid={`anomaly-${a.id}`}>
                  <TableCell className="w-28">{formatTime(a.createdAt)}</TableCell>
                  <TableCell>
                    <div className="font-medium">{a.agent}</div>
                    <div className="text-xs text-muted">{a.environment}</div>
                  </TableCell>
                  <TableCell>{a.actionType}</TableCell>
                  <TableCell className="min-w-48">
                    <span className="font-semibold">{a.observed}</span> in {minutes(a)} min
                    {a.peakObserved > a.observed && ` (peak ${a.peakObserved})`}
                    <div className="text-xs text-muted">
                      expected {one(a.expected)} (spread {one(a.scale)}); score {one(a.score)}{" "}
                      against {one(a.zThreshold)}, floor {a.minCount}
                    </div>
                    <div className="text-xs text-muted">
                      {formatTime(a.windowStart)} → {formatTime(a.windowEnd)}
                    </div>
                  </TableCell>
                  <TableCell className="min-w-48">
                    <Badge tone={ACTION[a.action]?.tone ?? "gray"}>
                      {ACTION[a.action]?.label ?? a.action}
                    </Badge>
                    <div className="mt-1 text-xs text-muted">{a.actionDetail}</div>
                  </TableCell>
                  <TableCell>
                    {a.endedAt ? (
                      <span className="text-xs text-muted">ended {formatTime(a.endedAt)}</span>
                    ) : (
                      <Badge tone="red">firing</Badge>
                    )}
                  </TableCell>
                  <TableCell>
                    {a.acknowledgedAt ? (
                      <span className="text-xs text-muted">
                        seen by {a.acknowledgedBy ?? "someone"}
                      </span>
                    ) : props.canAcknowledge ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        disabled={!hydrated || ack.busy}
                        onClick={() =>
                          void ack
                            .run(() =>
                              sendJson(
                                `/api/internal/anomalies/${encodeURIComponent(a.id)}/acknowledge`,
                                "POST",
                              ),
                            )
                            .then(refresh)
                        }
                      >
                        Acknowledge
                      </Button>
                    ) : null}
                  </TableCell>
                </tr>
              ))}
            </TableBody>
          </TableFrame>
        )}
      </section>

      <section aria-labelledby="anomaly-rules" className="space-y-3">
        <div className="flex items-center justify-between gap-3">
          <h2 id="anomaly-rules" className="text-sm font-semibold">
            Rules
          </h2>
          {props.canEditRules && (
            <Button size="sm" disabled={!hydrated} onClick={() => setEditing("new")}>
              Add a rule
            </Button>
          )}
        </div>
        <TableFrame label="Anomaly rules" minWidth="44rem" dense>
          <TableHeader
            columns={[
              "Agent",
              "Action type",
              "Window",
              "Score threshold",
              "Floor",
              "When it fires",
              "Last changed",
              "",
            ]}
          />
          <TableBody>
            {data.data.rules.map((r) => (
              <tr key={r.id ?? "default"} data-testid={`rule-${r.id ?? "default"}`}>
                <TableCell>{r.agentName ?? "Every agent"}</TableCell>
                <TableCell>{r.actionTypeName ?? "Every action type"}</TableCell>
                <TableCell>{r.windowMinutes} min</TableCell>
                <TableCell>{one(r.zThreshold)}</TableCell>
                <TableCell>{r.minCount} requests</TableCell>
                <TableCell>
                  {!r.enabled ? (
                    <Badge tone="gray">rule off</Badge>
                  ) : r.autoTrip ? (
                    <Badge tone="red">trips the switch</Badge>
                  ) : (
                    "alert only"
                  )}
                </TableCell>
                <TableCell className="text-xs text-muted">
                  {r.updatedAt
                    ? `${r.updatedBy ?? "someone"}, ${formatTime(r.updatedAt)}`
                    : "built-in default"}
                </TableCell>
                <TableCell>
                  {props.canEditRules && (
                    <Button
                      size="sm"
                      variant="secondary"
                      disabled={!hydrated}
                      onClick={() => setEditing(r)}
                      aria-label={`Edit the rule for ${r.agentName ?? "every agent"} × ${r.actionTypeName ?? "every action type"}`}
                    >
                      Edit
                    </Button>
                  )}
                </TableCell>
              </tr>
            ))}
          </TableBody>
        </TableFrame>
      </section>

      <DigestSection digests={data.data.digests} canSend={props.canSendDigest} onSent={refresh} />

      {editing && (
        <RuleDialog
          rule={editing === "new" ? null : editing}
          agents={props.agents}
          actionTypes={props.actionTypes}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void refresh();
          }}
        />
      )}
    </div>
  );
}

function RuleDialog(props: {
  rule: TAnomalyRuleRow | null;
  agents: TChoice[];
  actionTypes: TChoice[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const r = props.rule;
  const [agentId, setAgentId] = useState(r?.agentId ?? "");
  const [actionTypeId, setActionTypeId] = useState(r?.actionTypeId ?? "");
  const [windowMinutes, setWindow] = useState(String(r?.windowMinutes ?? 10));
  const [zThreshold, setZ] = useState(String(r?.zThreshold ?? 6));
  const [minCount, setMin] = useState(String(r?.minCount ?? 30));
  const [autoTrip, setAutoTrip] = useState(r?.autoTrip ?? false);
  const [enabled, setEnabled] = useState(r?.enabled ?? true);
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useAction();
  const num = (s: string) => (s.trim() === "" ? NaN : Number(s));
  const existing = !!r?.id;

  async function submit() {
    const body = {
      agentId: agentId || null,
      actionTypeId: actionTypeId || null,
      enabled,
      windowMinutes: num(windowMinutes),
      zThreshold: num(zThreshold),
      minCount: num(minCount),
      autoTrip,
      reason,
    };
    // the route checks the same schema; checked here first so each field says what is wrong
    const parsed = ZAnomalyRuleInput.safeParse(body);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message])));
      return;
    }
    setErrors({});
    const ok = await save.run(async () => {
      try {
        await sendJson("/api/internal/anomalies/rules", "POST", parsed.data);
      } catch (e) {
        if (e instanceof ApiError && e.errors.length)
          setErrors(Object.fromEntries(e.errors.map((x) => [x.path, x.message])));
        throw e;
      }
    });
    if (ok) props.onSaved();
  }

  async function remove() {
    if (reason.trim().length < 3) {
      setErrors({ reason: "Say why (at least 3 characters)" });
      return;
    }
    const ok = await save.run(() =>
      sendJson(`/api/internal/anomalies/rules/${encodeURIComponent(r!.id!)}`, "DELETE", {
        reason,
      }),
    );
    if (ok) props.onSaved();
  }

  return (
    <Dialog
      open
      onOpenChange={(o) => !o && props.onClose()}
      title={existing || r ? "Edit an anomaly rule" : "Add an anomaly rule"}
      description="The most specific rule applies: agent × action type, then the agent's, then the action type's, then the default."
      footer={
        <>
          {existing && (r?.agentId || r?.actionTypeId) && (
            <Button variant="secondary" onClick={() => void remove()} disabled={save.busy}>
              Remove rule
            </Button>
          )}
          <Button onClick={() => void submit()} busy={save.busy} busyLabel="Saving…">
            Save rule
          </Button>
        </>
      }
    >
      <form
        className="grid grid-cols-2 gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="Agent" id="rule-agent" error={errors.agentId}>
          <Select value={agentId} onChange={(e) => setAgentId(e.target.value)} disabled={!!r}>
            <option value="">Every agent</option>
            {props.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Action type" id="rule-type" error={errors.actionTypeId}>
          <Select
            value={actionTypeId}
            onChange={(e) => setActionTypeId(e.target.value)}
            disabled={!!r}
          >
            <option value="">Every action type</option>
            {props.actionTypes.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label="Window (minutes)"
          id="rule-window"
          hint="5 to 60"
          error={errors.windowMinutes}
        >
          <Input
            inputMode="numeric"
            value={windowMinutes}
            onChange={(e) => setWindow(e.target.value)}
          />
        </Field>
        <Field
          label="Score threshold"
          id="rule-z"
          hint="robust z-score; 6 by default"
          error={errors.zThreshold}
        >
          <Input inputMode="decimal" value={zThreshold} onChange={(e) => setZ(e.target.value)} />
        </Field>
        <Field
          label="Floor (requests in the window)"
          id="rule-min"
          hint="fewer never fire"
          error={errors.minCount}
        >
          <Input inputMode="numeric" value={minCount} onChange={(e) => setMin(e.target.value)} />
        </Field>
        <div className="space-y-2 pt-5 text-sm">
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={autoTrip}
              onChange={(e) => setAutoTrip(e.target.checked)}
            />
            Trip the agent&apos;s kill switch when it fires
          </label>
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => setEnabled(e.target.checked)}
            />
            Rule on
          </label>
        </div>
        <ReasonField
          label="Why"
          id="rule-reason"
          error={errors.reason}
          className="col-span-2"
          value={reason}
          onChange={setReason}
        />
        {save.error && !Object.keys(errors).length && (
          <Alert tone="error" className="col-span-2">
            {save.error}
          </Alert>
        )}
      </form>
    </Dialog>
  );
}

function DigestSection(props: { digests: TDigestRow[]; canSend: boolean; onSent: () => void }) {
  const [preview, setPreview] = useState<string | null>(null);
  const act = useAction();
  const hydrated = useHydrated();
  return (
    <section aria-labelledby="digests" className="space-y-3">
      <div className="flex items-center justify-between gap-3">
        <h2 id="digests" className="text-sm font-semibold">
          Weekly digests
        </h2>
        {props.canSend && (
          <div className="flex gap-2">
            <Button
              size="sm"
              variant="secondary"
              disabled={!hydrated || act.busy}
              onClick={() =>
                void act.run(async () => {
                  const r = await sendJson<{ digest: { text: string } }>(
                    "/api/internal/anomalies/digests/preview",
                  );
                  setPreview(r.digest.text);
                })
              }
            >
              Preview
            </Button>
            <Button
              size="sm"
              disabled={!hydrated || act.busy}
              onClick={() =>
                void act
                  .run(() => sendJson("/api/internal/anomalies/digests", "POST"))
                  .then(props.onSent)
              }
            >
              Send now
            </Button>
          </div>
        )}
      </div>
      {act.error && <Alert tone="error">{act.error}</Alert>}
      {props.digests.length === 0 ? (
        <p className="text-sm text-muted">
          No digest sent yet: the weekly job sends the last week&apos;s on Monday at 07:00 UTC.
        </p>
      ) : (
        <div className="space-y-3">
          {props.digests.map((d) => (
            <Card key={d.id} padding="sm" data-testid={`digest-${d.id}`}>
              <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-muted">
                <span>{formatTime(d.createdAt)}</span>
                <span>
                  ·{" "}
                  {d.trigger === "schedule"
                    ? "weekly job"
                    : `sent by ${d.requestedBy ?? "a person"}`}
                </span>
                <Badge
                  tone={
                    d.delivery?.status === "delivered"
                      ? "green"
                      : d.status === "queued"
                        ? "blue"
                        : "gray"
                  }
                >
                  {d.status === "not_configured"
                    ? "no webhook URL"
                    : (d.delivery?.status ?? d.status)}
                </Badge>
                {d.delivery?.lastError && <span>{d.delivery.lastError}</span>}
              </div>
              <pre className="whitespace-pre-wrap break-words text-xs">{d.text}</pre>
            </Card>
          ))}
        </div>
      )}
      {preview !== null && (
        <Dialog
          open
          onOpenChange={(o) => !o && setPreview(null)}
          title="The digest the next send carries"
          size="wide"
        >
          <pre className="whitespace-pre-wrap break-words text-xs" data-testid="digest-preview">
            {preview}
          </pre>
        </Dialog>
      )}
    </section>
  );
}
