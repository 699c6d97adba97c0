"use client";

import { useRef, useState } from "react";
import type { TRequestFilters } from "@/lib/requests/query";
import { Alert, Button, useHydrated } from "@/components/ui";
import { searchOf } from "./queries";

type TProgress = { rows: number; bytes: number; total: number | null; capped: boolean };

const kb = (n: number) =>
  n < 1024 * 1024
    ? `${Math.max(1, Math.round(n / 1024))} KB`
    : `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Download the filtered requests as CSV or JSONL. The file is read here as it streams (the
 * server sends it batch by batch), counting rows and bytes against the total the server counted
 * first, then saved: a large export shows how far it got, and can be stopped.
 */
export function ExportButtons({ filters }: { filters: TRequestFilters }) {
  const hydrated = useHydrated();
  const [progress, setProgress] = useState<TProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  async function download(format: "csv" | "jsonl") {
    const controller = new AbortController();
    abort.current = controller;
    setError(null);
    setDone(null);
    try {
      const res = await fetch(`/api/internal/requests/export?${searchOf(filters, { format })}`, {
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        const problem = await res.json().catch(() => null);
        throw new Error(problem?.detail ?? `Export failed (${res.status})`);
      }
      const totalHeader = res.headers.get("x-total-count");
      const total = totalHeader === null ? null : Number(totalHeader);
      const capped = res.headers.get("x-total-capped") === "true";
      const reader = res.body.getReader();
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let bytes = 0;
      let newlines = 0;
      setProgress({ rows: 0, bytes: 0, total, capped });
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        chunks.push(value);
        bytes += value.byteLength;
        for (const b of value) if (b === 10) newlines++;
        // the CSV's header line is not a row
        const rows = format === "csv" ? Math.max(0, newlines - 1) : newlines;
        setProgress({ rows, bytes, total, capped });
      }
      const name =
        /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ??
        `requests.${format}`;
      const url = URL.createObjectURL(new Blob(chunks, { type: res.headers.get("content-type")! }));
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDone(`Saved ${name}.`);
    } catch (e) {
      if (!controller.signal.aborted) setError((e as Error).message);
    } finally {
      abort.current = null;
      setProgress(null);
    }
  }

  const busy = progress !== null;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex gap-2">
        <Button variant="secondary" disabled={!hydrated || busy} onClick={() => download("csv")}>
          Export CSV
        </Button>
        <Button variant="secondary" disabled={!hydrated || busy} onClick={() => download("jsonl")}>
          Export JSONL
        </Button>
        {busy && (
          <Button variant="secondary" onClick={() => abort.current?.abort()}>
            Stop
          </Button>
        )}
      </div>
      {busy && (
        <div className="w-64 space-y-1" data-testid="export-progress">
          <progress
            className="h-2 w-full"
            aria-label="Export progress"
            max={progress.total || undefined}
            value={progress.total ? Math.min(progress.rows, progress.total) : undefined}
          />
          <p className="text-right text-xs text-muted" aria-live="polite">
            {progress.rows.toLocaleString("en-US")}
            {progress.total !== null &&
              ` of ${progress.total.toLocaleString("en-US")}${progress.capped ? "+" : ""}`}{" "}
            rows · {kb(progress.bytes)}
          </p>
        </div>
      )}
      {done && (
        <p role="status" className="text-xs text-muted">
          {done}
        </p>
      )}
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
