"use client";

import { useEffect, useMemo, useState } from "react";
import { Field, Select } from "@/components/ui";
import type { TChangeWindow } from "@/lib/policy/types";
import { weekGrid } from "@/lib/workflows/window-calendar";

const SLOT_PX = 5;
const SLOTS = 48;

/**
 * This week as a grid, Monday to Sunday, in a zone the reader picks (the windows' own zones by
 * default): green where the gate would let a write through, a red line at "now". Each day also
 * says its open hours in words, for screen readers and tests.
 */
export function WindowCalendar(props: {
  windows: readonly TChangeWindow[];
  /** the server's clock at render, so the first paint matches; then the browser's, each minute */
  now: string;
  title: string;
}) {
  const zones = useMemo(
    () => [...new Set(["UTC", ...props.windows.map((w) => w.tz ?? "UTC")])],
    [props.windows],
  );
  const [tz, setTz] = useState(zones[zones.length - 1]);
  const shown = zones.includes(tz) ? tz : zones[0];
  const [now, setNow] = useState(() => new Date(props.now));
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);
  const grid = useMemo(() => weekGrid(props.windows, shown, now), [props.windows, shown, now]);

  return (
    <div data-testid="window-calendar" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <p className="text-sm text-muted">
          {props.title}
          {props.windows.length === 0 && " — no change windows: agents may act at any time."}
        </p>
        <Field label="Show in zone" className="w-56">
          <Select value={shown} onChange={(e) => setTz(e.target.value)}>
            {zones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </Select>
        </Field>
      </div>
      <div className="grid grid-cols-[3rem_repeat(7,minmax(0,1fr))] gap-x-1 text-xs">
        <div />
        {grid.days.map((d, i) => (
          <div key={d.label} className="pb-1 text-center font-medium">
            {d.label}
            {i === grid.now.dayIndex && <span className="sr-only"> (today)</span>}
          </div>
        ))}
        <div className="relative" style={{ height: SLOTS * SLOT_PX }} aria-hidden>
          {[0, 6, 12, 18, 24].map((h) => (
            <div
              key={h}
              className="absolute right-1 -translate-y-1/2 text-[10px] text-muted"
              style={{ top: (h / 24) * SLOTS * SLOT_PX }}
            >
              {String(h).padStart(2, "0")}:00
            </div>
          ))}
        </div>
        {grid.days.map((d, i) => (
          <div
            key={d.label}
            data-testid={`calendar-${d.label}`}
            className="relative overflow-hidden rounded border border-line bg-slate-50"
            style={{ height: SLOTS * SLOT_PX }}
          >
            <span className="sr-only">
              {d.label}: {d.ranges.length ? d.ranges.join(", ") : "closed"}
            </span>
            {d.open.map((open, s) =>
              open ? (
                <div
                  key={s}
                  aria-hidden
                  className="absolute inset-x-0 bg-emerald-400"
                  style={{ top: s * SLOT_PX, height: SLOT_PX }}
                />
              ) : null,
            )}
            {i === grid.now.dayIndex && (
              <div
                data-testid="calendar-now"
                aria-hidden
                className="absolute inset-x-0 h-0.5 bg-red-600"
                style={{ top: (grid.now.minute / 1440) * SLOTS * SLOT_PX }}
              />
            )}
          </div>
        ))}
        <div />
        {grid.days.map((d) => (
          <div key={d.label} className="pt-1 text-center text-[11px] leading-tight text-muted">
            {d.ranges.length ? d.ranges.join(" ") : "closed"}
          </div>
        ))}
      </div>
      <p className="flex items-center gap-4 text-xs text-muted">
        <span className="inline-flex items-center gap-1">
          <span className="inline-block h-3 w-3 rounded-sm bg-emerald-400" /> writes allowed
        </span>
        <span className="inline-flex items-center gap-1">
          <span className="inline-block h-0.5 w-3 bg-red-600" /> now ({shown})
        </span>
      </p>
    </div>
  );
}
