"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { TFigures, TMetrics } from "@/lib/metrics";
import {
  Card,
  cx,
  EmptyState,
  Field,
  Select,
  TableBody,
  TableCell,
  TableFrame,
  TableHeader,
  Tabs,
  TabsContent,
  TabsList,
  TabsTrigger,
  useHydrated,
} from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";
import { atMost, count, duration, percent, pointsChange } from "./format";
import { TrendCharts } from "./trend-charts";

export type TMetricFilters = {
  days: string;
  agent: string;
  workflowVersion: string;
  actionType: string;
  environment: string;
};

/** The dashboard's query keys, defined once. */
export const metricKeys = {
  all: ["metrics"] as const,
  view: (f: TMetricFilters) => [...metricKeys.all, f] as const,
};

const searchOf = (f: Partial<TMetricFilters>) =>
  new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]);

/** Figures refresh on their own: the rollups follow the requests within seconds. */
const REFRESH_MS = 10_000;

/**
 * The leadership dashboard: reversal and exception rates, approval SLA adherence, time to
 * decision and cycle time, volumes — for a period and against the one before it, day by day,
 * and by agent, action type, workflow version, environment and approver group. Every figure
 * links to the requests behind it; the filters live in the URL.
 */
export function MetricsDashboard({
  filters,
  initial,
}: {
  filters: TMetricFilters;
  initial: TMetrics;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { data, isFetching, error } = useQuery({
    queryKey: metricKeys.view(filters),
    queryFn: () => sendJson<TMetrics>(`/api/internal/metrics?${searchOf(filters)}`),
    initialData: initial,
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  const m = data ?? initial;
  const set = (patch: Partial<TMetricFilters>) => {
    const q = searchOf({ ...filters, ...patch });
    router.replace(`/metrics${q.size ? `?${q}` : ""}`, { scroll: false });
  };
  const f = m.facets;
  const keyOf = {
    actionType: f.actionTypes.find((t) => t.id === filters.actionType)?.key ?? "",
    environment: f.environments.find((e) => e.id === filters.environment)?.slug ?? "",
  };
  /** the Requests page showing what a figure counts: same filters, the period's window */
  const requestsHref = (status?: string, over: Partial<Record<string, string>> = {}) =>
    `/requests?${searchOf({
      agent: filters.agent,
      workflowVersion: filters.workflowVersion,
      actionType: keyOf.actionType,
      environment: keyOf.environment,
      // the figures count the agents' own requests, never a person's revert
      origin: "agent",
      ...(status ? { status } : {}),
      from: m.period.from,
      to: m.period.to,
      ...over,
    } as Partial<TMetricFilters>)}`;
  const c = m.current;
  const p = m.previous;
  const label = `${m.period.days} days`;

  return (
    <div className="space-y-5">
      <Card padding="sm" aria-label="Filters">
        <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
          {(
            [
              [
                "days",
                "Period",
                null,
                [
                  ["7", "Last 7 days"],
                  ["30", "Last 30 days"],
                  ["90", "Last 90 days"],
                ],
              ],
              [
                "agent",
                "Agent",
                "All agents",
                f.agents.map((a) => [
                  a.id,
                  a.environment ? `${a.name} (${a.environment})` : a.name,
                ]),
              ],
              [
                "workflowVersion",
                "Workflow version",
                "All versions",
                f.workflowVersions.map((v) => [v.id, v.name]),
              ],
              [
                "actionType",
                "Action type",
                "All action types",
                f.actionTypes.map((t) => [t.id, t.name]),
              ],
              [
                "environment",
                "Environment",
                "All environments",
                f.environments.map((e) => [e.id, e.name]),
              ],
            ] as [keyof TMetricFilters, string, string | null, string[][]][]
          ).map(([name, title, all, options]) => (
            <Field key={name} label={title}>
              <Select
                name={name}
                value={filters[name]}
                disabled={!hydrated}
                onChange={(e) => set({ [name]: e.target.value })}
              >
                {all !== null && <option value="">{all}</option>}
                {options.map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </Select>
            </Field>
          ))}
        </div>
        <p className="mt-2 text-xs text-muted" aria-live="polite">
          {formatTime(m.period.from)} → {formatTime(m.period.to)}, against the {label} before ·
          figures as of {formatTime(m.computedAt)}, refreshed every {REFRESH_MS / 1000} s
          {isFetching ? " · refreshing…" : ""}
          {error ? ` · could not refresh: ${error.message}` : ""}
        </p>
      </Card>

      {c.proposed === 0 ? (
        <EmptyState title={`No agent requests in the last ${label}`}>
          Nothing matches these filters in the period. Widen the period or clear a filter.
        </EmptyState>
      ) : (
        <>
          <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="metric-figures">
            <RateFigure
              testId="figure-reversal"
              title="Reversal rate"
              value={c.reversalRate}
              before={p.reversalRate}
              period={label}
              worseWhenUp
            >
              <Link className="underline" href={requestsHref("reverted")}>
                {c.reverted} reverted
              </Link>{" "}
              +{" "}
              <Link className="underline" href="/reconciliation">
                {c.drifted} drifted
              </Link>{" "}
              of{" "}
              <Link className="underline" href={requestsHref("succeeded,reverted")}>
                {c.writes} writes
              </Link>
            </RateFigure>
            <RateFigure
              testId="figure-exception"
              title="Exception rate"
              value={c.exceptionRate}
              before={p.exceptionRate}
              period={label}
              worseWhenUp
            >
              <Link className="underline" href={requestsHref("failed,dead_lettered")}>
                {c.failed} failed, {c.deadLettered} dead-lettered
              </Link>
              , {c.conflicts} met a conflict · of {c.executed} executed
            </RateFigure>
            <RateFigure
              testId="figure-sla"
              title="Approval SLA met"
              value={c.slaAdherence}
              before={p.slaAdherence}
              period={label}
            >
              {c.withinSla} of {c.slaMeasured} decisions by a person within their SLA
            </RateFigure>
            <DurationFigure
              testId="figure-decision"
              title="Time to decision"
              f={c}
              kind="decision"
              before={p}
            >
              {c.humanDecided} decided by a person
            </DurationFigure>
            <DurationFigure
              testId="figure-cycle"
              title="Cycle time, proposal → written"
              f={c}
              kind="cycle"
              before={p}
            >
              <Link className="underline" href={requestsHref("succeeded,reverted")}>
                {c.writes} writes
              </Link>
            </DurationFigure>
            <Card data-testid="figure-volume">
              <h2 className="text-sm font-medium text-muted">Volume</h2>
              <div className="mt-1 text-3xl font-semibold tabular-nums">
                <Link className="hover:underline" href={requestsHref()}>
                  {count(c.proposed)}
                </Link>
              </div>
              <Change delta={c.proposed - p.proposed} unit="requests" period={label} />
              <ul className="mt-2 space-y-0.5 text-sm text-muted">
                <li>
                  <Link className="underline" href={requestsHref("succeeded,reverted")}>
                    {c.writes} written
                  </Link>
                  ,{" "}
                  <Link className="underline" href={requestsHref("denied,discarded,expired")}>
                    {c.refused} refused
                  </Link>
                  ,{" "}
                  <Link
                    className="underline"
                    href={requestsHref(
                      "received,pending_approval,draft,approved,auto_approved,executing,retrying,halted",
                    )}
                  >
                    {c.open} still open
                  </Link>
                  , {c.observed} observed
                </li>
              </ul>
            </Card>
          </div>

          <Card>
            <TrendCharts series={m.series} />
          </Card>

          <Card aria-labelledby="breakdowns">
            <h2 id="breakdowns" className="mb-2 text-sm font-semibold">
              Broken down
            </h2>
            <Tabs defaultValue="agent">
              <TabsList>
                <TabsTrigger value="agent">By agent</TabsTrigger>
                <TabsTrigger value="actionType">By action type</TabsTrigger>
                <TabsTrigger value="workflowVersion">By workflow version</TabsTrigger>
                <TabsTrigger value="environment">By environment</TabsTrigger>
                <TabsTrigger value="approvers">Approver groups</TabsTrigger>
              </TabsList>
              <TabsContent value="agent">
                <Breakdown label="By agent" rows={m.byAgent} pick={(id) => set({ agent: id })} />
              </TabsContent>
              <TabsContent value="actionType">
                <Breakdown
                  label="By action type"
                  rows={m.byActionType}
                  pick={(id) => set({ actionType: id })}
                />
              </TabsContent>
              <TabsContent value="workflowVersion">
                <Breakdown
                  label="By workflow version"
                  rows={m.byWorkflowVersion}
                  pick={(id) => set({ workflowVersion: id })}
                  empty="No request in the period came from a workflow."
                />
              </TabsContent>
              <TabsContent value="environment">
                <Breakdown
                  label="By environment"
                  rows={m.byEnvironment}
                  pick={(id) => set({ environment: id })}
                />
              </TabsContent>
              <TabsContent value="approvers">
                <ApproverGroups rows={m.byApproverGroup} />
              </TabsContent>
            </Tabs>
          </Card>
        </>
      )}

      <Definitions />
    </div>
  );
}

/** The change against the previous period: percentage points of a rate, or a count. */
function Change({
  delta,
  unit,
  period,
  worseWhenUp,
}: {
  delta: number | null;
  unit: "pts" | "requests";
  period: string;
  /** colours the change: red when it went the bad way; unset, no colour */
  worseWhenUp?: boolean;
}) {
  if (delta === null) {
    return <div className="text-xs text-muted">no figure for the previous {period}</div>;
  }
  const flat = Math.abs(delta) < (unit === "pts" ? 0.05 : 1);
  const up = delta > 0;
  const tone =
    flat || worseWhenUp === undefined
      ? "text-muted"
      : (worseWhenUp ? up : !up)
        ? "font-medium text-red-700"
        : "font-medium text-emerald-800";
  return (
    <div className={cx("text-xs", tone)}>
      {flat
        ? "no change"
        : `${up ? "▲" : "▼"} ${unit === "pts" ? `${Math.abs(delta).toFixed(1)} pts` : count(Math.abs(delta))}`}{" "}
      vs the previous {period}
    </div>
  );
}

function RateFigure({
  testId,
  title,
  value,
  before,
  period,
  worseWhenUp = false,
  children,
}: {
  testId: string;
  title: string;
  value: number | null;
  before: number | null;
  period: string;
  worseWhenUp?: boolean;
  children: React.ReactNode;
}) {
  const change = pointsChange(value, before);
  return (
    <Card data-testid={testId}>
      <h2 className="text-sm font-medium text-muted">{title}</h2>
      <div className="mt-1 text-3xl font-semibold tabular-nums">{percent(value)}</div>
      <Change delta={change} unit="pts" period={period} worseWhenUp={worseWhenUp} />
      <p className="mt-2 text-sm text-muted">{children}</p>
    </Card>
  );
}

function DurationFigure({
  testId,
  title,
  f,
  before,
  kind,
  children,
}: {
  testId: string;
  title: string;
  f: TFigures;
  before: TFigures;
  kind: "decision" | "cycle";
  children: React.ReactNode;
}) {
  const p50 = kind === "decision" ? f.decisionP50Ms : f.cycleP50Ms;
  const p90 = kind === "decision" ? f.decisionP90Ms : f.cycleP90Ms;
  const mean = kind === "decision" ? f.decisionMeanMs : f.cycleMeanMs;
  const meanBefore = kind === "decision" ? before.decisionMeanMs : before.cycleMeanMs;
  return (
    <Card data-testid={testId}>
      <h2 className="text-sm font-medium text-muted">{title}</h2>
      <div className="mt-1 text-3xl font-semibold tabular-nums">
        {p50 === null ? "—" : atMost(p50)}
        <span className="ml-2 text-sm font-normal text-muted">median</span>
      </div>
      <div className="text-xs text-muted">
        9 in 10 {atMost(p90, kind === "decision" && f.decisionP90Over)} · mean {duration(mean)}
        {meanBefore !== null && ` (was ${duration(meanBefore)})`}
      </div>
      <p className="mt-2 text-sm text-muted">{children}</p>
    </Card>
  );
}

type TBreakdownRow = { id: string; name: string; figures: TFigures };

function Breakdown({
  label,
  rows,
  pick,
  empty = "Nothing in the period.",
}: {
  label: string;
  rows: TBreakdownRow[];
  pick: (id: string) => void;
  empty?: string;
}) {
  if (!rows.length) return <p className="text-sm text-muted">{empty}</p>;
  return (
    <TableFrame label={label} minWidth="52rem" dense>
      <TableHeader
        columns={[
          "",
          "Proposed",
          "Written",
          "Reversal",
          "Exception",
          "SLA met",
          "Decision (median)",
          "Cycle (median)",
        ]}
      />
      <TableBody>
        {rows.map((r) => (
          <tr key={r.id}>
            <TableCell>
              <button
                type="button"
                className="text-left font-medium underline"
                onClick={() => pick(r.id)}
              >
                {r.name}
              </button>
            </TableCell>
            <TableCell className="tabular-nums">{r.figures.proposed}</TableCell>
            <TableCell className="tabular-nums">{r.figures.writes}</TableCell>
            <TableCell className="tabular-nums">{percent(r.figures.reversalRate)}</TableCell>
            <TableCell className="tabular-nums">{percent(r.figures.exceptionRate)}</TableCell>
            <TableCell className="tabular-nums">{percent(r.figures.slaAdherence)}</TableCell>
            <TableCell className="tabular-nums">{atMost(r.figures.decisionP50Ms)}</TableCell>
            <TableCell className="tabular-nums">{atMost(r.figures.cycleP50Ms)}</TableCell>
          </tr>
        ))}
      </TableBody>
    </TableFrame>
  );
}

function ApproverGroups({ rows }: { rows: TBreakdownRow[] }) {
  if (!rows.length) return <p className="text-sm text-muted">No approval in the period.</p>;
  return (
    <TableFrame label="Approver groups" minWidth="44rem" dense>
      <TableHeader
        columns={["Group", "Decided by a person", "SLA met", "Median", "9 in 10", "Mean"]}
      />
      <TableBody>
        {rows.map((r) => (
          <tr key={r.id}>
            <TableCell className="font-medium">{r.name}</TableCell>
            <TableCell className="tabular-nums">{r.figures.humanDecided}</TableCell>
            <TableCell className="tabular-nums">
              {percent(r.figures.slaAdherence)}
              <span className="text-xs text-muted">
                {" "}
                ({r.figures.withinSla}/{r.figures.slaMeasured})
              </span>
            </TableCell>
            <TableCell className="tabular-nums">{atMost(r.figures.decisionP50Ms)}</TableCell>
            <TableCell className="tabular-nums">
              {atMost(r.figures.decisionP90Ms, r.figures.decisionP90Over)}
            </TableCell>
            <TableCell className="tabular-nums">{duration(r.figures.decisionMeanMs)}</TableCell>
          </tr>
        ))}
      </TableBody>
    </TableFrame>
  );
}

function Definitions() {
  return (
    <Card aria-labelledby="definitions">
      <h2 id="definitions" className="text-sm font-semibold">
        How each figure is counted
      </h2>
      <dl className="mt-2 grid gap-x-6 gap-y-2 text-sm md:grid-cols-2">
        {[
          [
            "Counted",
            "The agents' own requests (not a person's revert), by the hour they were proposed: a figure for the last 30 days is about the requests proposed in those 30 days, whatever became of them since.",
          ],
          [
            "Reversal rate",
            "(writes reverted + writes reconciliation found changed since by someone else) ÷ writes. A write is a request that succeeded in Salesforce (succeeded or reverted since); a write reverted only in part counts as not reverted.",
          ],
          [
            "Exception rate",
            "requests that failed, were dead-lettered or met a conflict (each counted once) ÷ requests that reached execution (at least one try, or dead-lettered). By each request's status now: a failure a person retried to success no longer counts.",
          ],
          [
            "Approval SLA met",
            "decisions by a person made before the request's SLA was due ÷ decisions by a person on requests with an SLA. Credited to the approver group the request was assigned to (an escalation included).",
          ],
          [
            "Time to decision",
            "proposal → the decision that settled it, for requests a person decided. Medians and 9-in-10 are read from duration buckets, so they show as “at most”.",
          ],
          [
            "Cycle time",
            "proposal → written in Salesforce, for writes. Includes the wait for approval and any retries.",
          ],
          [
            "Volume",
            "requests proposed: written, refused (denied, discarded, expired), still open, and observed (an agent in observe phase).",
          ],
          [
            "Change",
            "against the period of the same length just before; rates in percentage points.",
          ],
        ].map(([term, text]) => (
          <div key={term}>
            <dt className="font-medium">{term}</dt>
            <dd className="text-muted">{text}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
