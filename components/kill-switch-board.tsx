"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Alert, Badge } from "./ui";
import { formatTime } from "./format";
import { KillSwitchControls } from "./kill-switch-controls";
import type { TSwitchRow } from "./kill-switch-types";
import { sendJson } from "./send-json";

const GROUPS = [
  { scope: "environment", title: "Environments", hint: "Every agent in one environment." },
  { scope: "workflow", title: "Workflows", hint: "Every request of one workflow, any agent." },
  { scope: "agent", title: "Agents", hint: "One agent identity in one environment." },
] as const;

// where the controls' button and form sit: the global card's grid, and a row's four columns
const GLOBAL_CELLS = { buttonCell: "justify-self-end", panelCell: "col-span-2" };
const ROW_CELLS = { buttonCell: "md:justify-self-end", panelCell: "md:col-span-4" };

const testId = (r: TSwitchRow) => `ks-${r.scope}-${r.target ?? "global"}`;

export function KillSwitchBoard({
  rows: initial,
  canWrite,
}: {
  rows: TSwitchRow[];
  canWrite: boolean;
}) {
  const [rows, setRows] = useState(initial);
  const [loadError, setLoadError] = useState<string | null>(null);
  const router = useRouter();

  // after a change, read every switch again: someone else may have flipped one meanwhile
  async function refresh() {
    try {
      const res = await sendJson<{ killSwitches: TSwitchRow[] }>("/api/internal/kill-switches");
      setRows(res.killSwitches);
      setLoadError(null);
      // the halted-work list below changes with every trip and reset
      router.refresh();
    } catch (e) {
      setLoadError((e as Error).message);
    }
  }

  const global = rows.find((r) => r.scope === "global");
  const engaged = rows.filter((r) => r.engaged);
  return (
    <div className="space-y-6">
      <p data-testid="engaged-count" role="status" className="text-sm">
        {engaged.length ? (
          <Badge tone="red">
            {engaged.length} engaged: {engaged.map((r) => r.name).join(", ")}
          </Badge>
        ) : (
          <Badge tone="green">No switch engaged</Badge>
        )}
        {!canWrite && (
          <span className="ml-2 text-xs text-muted">Read-only: only admins trip and reset.</span>
        )}
      </p>
      {loadError && <Alert tone="error">Could not reload the switches: {loadError}</Alert>}
      {global?.engaged && (
        <p className="rounded-lg bg-danger px-4 py-3 text-sm font-medium text-white">
          The global switch is engaged: every agent is stopped, whatever the switches below say.
        </p>
      )}
      {global && <GlobalSwitch row={global} canWrite={canWrite} onChanged={refresh} />}
      {GROUPS.map((g) => {
        const list = rows.filter((r) => r.scope === g.scope);
        if (!list.length) return null;
        return (
          <section key={g.scope} aria-labelledby={`ks-group-${g.scope}`}>
            <div className="mb-2 flex items-baseline gap-2">
              <h2 id={`ks-group-${g.scope}`} className="text-sm font-semibold">
                {g.title}
              </h2>
              <span className="text-xs text-muted">{g.hint}</span>
            </div>
            <ul className="divide-y divide-slate-100 overflow-hidden rounded-xl border border-line bg-white">
              {list.map((r) => (
                <SwitchRow key={testId(r)} row={r} canWrite={canWrite} onChanged={refresh} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function GlobalSwitch(props: {
  row: TSwitchRow;
  canWrite: boolean;
  onChanged: () => Promise<void>;
}) {
  const { row } = props;
  return (
    <section
      data-testid={testId(row)}
      aria-label="Global kill switch"
      className={`grid grid-cols-[minmax(0,1fr)_auto] gap-x-4 gap-y-3 rounded-xl border-2 p-5 ${row.engaged ? "border-red-500 bg-red-50" : "border-line bg-white"}`}
    >
      <div>
        <div className="flex items-center gap-3">
          <h2 className="text-base font-semibold">Global switch</h2>
          <StateBadge engaged={row.engaged} />
        </div>
        <p className="mt-1 max-w-2xl text-sm text-muted">
          Stops every agent in every environment: new action requests are refused with 423 and
          queued approved work is halted.
        </p>
        <div className="mt-3 text-sm">
          <History row={row} />
        </div>
      </div>
      {props.canWrite && (
        <KillSwitchControls row={row} onChanged={props.onChanged} {...GLOBAL_CELLS} />
      )}
    </section>
  );
}

function SwitchRow(props: { row: TSwitchRow; canWrite: boolean; onChanged: () => Promise<void> }) {
  const { row } = props;
  return (
    <li
      data-testid={testId(row)}
      className={`grid grid-cols-1 gap-x-4 gap-y-2 px-4 py-3 text-sm md:grid-cols-[minmax(0,16rem)_5.5rem_minmax(0,1fr)_6rem] md:items-start ${row.engaged ? "bg-red-50" : ""}`}
    >
      <div className="min-w-0">
        <div className="truncate font-medium" title={row.label}>
          {row.name}
        </div>
        {row.scope !== "agent" && <div className="font-mono text-xs text-muted">{row.target}</div>}
      </div>
      <div>
        <StateBadge engaged={row.engaged} />
      </div>
      <div className="min-w-0 text-xs">
        <History row={row} />
      </div>
      {props.canWrite && (
        <KillSwitchControls row={row} onChanged={props.onChanged} {...ROW_CELLS} />
      )}
    </li>
  );
}

function StateBadge({ engaged }: { engaged: boolean }) {
  return engaged ? (
    <Badge tone="red">
      <span aria-hidden className="mr-1 inline-block h-1.5 w-1.5 rounded-full bg-red-600" />
      Engaged
    </Badge>
  ) : (
    <Badge tone="green">Off</Badge>
  );
}

/** Who engaged it, when and why; once reset, also who reset it, which stays useful after the fact. */
function History({ row }: { row: TSwitchRow }) {
  if (!row.engagedAt) return <span className="text-muted">Never tripped</span>;
  const by = (
    <>
      by <span className="font-medium">{row.engagedBy ?? "unknown"}</span> at{" "}
      {formatTime(row.engagedAt)}
      {row.reason && <span className="block">“{row.reason}”</span>}
    </>
  );
  if (row.engaged) {
    return (
      <div data-testid="engaged-by" className="text-red-800">
        Engaged {by}
      </div>
    );
  }
  return (
    <div className="space-y-1">
      {row.resetAt && (
        <div data-testid="last-reset" className="text-slate-700">
          Last reset by <span className="font-medium">{row.resetBy ?? "unknown"}</span> at{" "}
          {formatTime(row.resetAt)}
          {row.resetReason && <span className="block">“{row.resetReason}”</span>}
        </div>
      )}
      <div className="text-muted">Last tripped {by}</div>
    </div>
  );
}
