"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { TMetrics } from "@/lib/metrics";

const COLORS = {
  reversal: "#b91c1c",
  exception: "#b45309",
  sla: "#0369a1",
  writes: "#047857",
  refused: "#b91c1c",
  open: "#64748b",
  observed: "#7c3aed",
};

const LINES = [
  ["reversal", "Reversal"],
  ["exception", "Exception"],
  ["sla", "Approval SLA met"],
] as const;
const BARS = [
  ["writes", "Written"],
  ["refused", "Refused"],
  ["open", "Still open"],
  ["observed", "Observed"],
] as const;

const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

/**
 * The period day by day: the reversal, exception and SLA rates as lines (a day with nothing to
 * divide by has no point), and the requests proposed each day by how they stand, as bars.
 */
export function TrendCharts({ series }: { series: TMetrics["series"] }) {
  const rows = series.map((s) => ({
    day: s.day.slice(5),
    reversal: pct(s.figures.reversalRate),
    exception: pct(s.figures.exceptionRate),
    sla: pct(s.figures.slaAdherence),
    writes: s.figures.writes,
    refused: s.figures.refused,
    open: s.figures.open,
    observed: s.figures.observed,
  }));
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <figure className="min-w-0" data-testid="chart-rates">
        <figcaption className="mb-2 text-sm font-semibold">Rates per day (%)</figcaption>
        <div className="h-64">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: -16 }}>
              <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
              <XAxis dataKey="day" tick={{ fontSize: 11 }} minTickGap={16} />
              <YAxis tick={{ fontSize: 11 }} domain={[0, "auto"]} />
              <Tooltip formatter={(v) => (v === null ? "—" : `${v}%`)} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {LINES.map(([key, name]) => (
                <Line
                  key={key}
                  name={name}
                  dataKey={key}
                  stroke={COLORS[key]}
                  dot={false}
                  strokeWidth={2}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      </figure>
      <figure className="min-w-0" data-testid="chart-volumes">
        <figcaption className="mb-2 text-sm font-semibold">Requests proposed per day</figcaption>
        <div className="h-64">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: -16 }}>
              <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
              <XAxis dataKey="day" tick={{ fontSize: 11 }} minTickGap={16} />
              <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {BARS.map(([key, name]) => (
                <Bar
                  key={key}
                  name={name}
                  dataKey={key}
                  stackId="v"
                  fill={COLORS[key]}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      </figure>
    </div>
  );
}
