"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TCanaryCard } from "@/lib/gates/canary-card";
import { Alert, Badge, Card, TableFrame } from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";
import { searchOf } from "@/components/requests/queries";
import { workflowKeys } from "./queries";

type TCard = TSerialized<TCanaryCard>;

/** The leader evaluates every 15 s: the card reads as often. */
const REFRESH_MS = 15_000;

const pct = (x: number, n: number) => (n ? `${((100 * x) / n).toFixed(1)} %` : "—");
const rate = (r: number | null) => (r === null ? "—" : `${(100 * r).toFixed(2)} %`);
const p3 = (p: number) => (p < 0.001 ? p.toExponential(2) : p.toFixed(4));

const VERDICT = {
  met: { tone: "green", text: "met" },
  failed: { tone: "red", text: "not met" },
  wait: { tone: "gray", text: "not enough data" },
} as const;

/**
 * "Canary vs baseline" on a workflow's page: while a version is in canary, the two cohorts, the
 * stage-conversion test at its looks, the rates and each criterion; after a rollback, the same
 * for the canary rolled back last, with why. Every count links to the requests behind it.
 */
export function CanaryCard({ workflowId }: { workflowId: string }) {
  const { data, error } = useQuery({
    queryKey: [...workflowKeys.detail(workflowId), "canary"],
    queryFn: () =>
      sendJson<TCard>(`/api/internal/workflows/${encodeURIComponent(workflowId)}/canary`),
    refetchInterval: REFRESH_MS,
  });
  if (error)
    return <Alert tone="error">The canary figures could not be read: {error.message}</Alert>;
  if (!data || data.state === "none") return null;
  const e = data.evaluation;
  const s = data.scheme;
  const title =
    data.state === "canary"
      ? `Canary vs baseline: version ${e.canary.version} (${e.canary.rolloutPercent} % of accounts) vs version ${e.baseline?.version ?? "—"}`
      : `Last rolled-back canary: version ${e.canary.version} vs version ${e.baseline?.version ?? "—"}`;

  const requests = (versionId: string | undefined, over: Record<string, string> = {}) =>
    versionId
      ? `/requests?${searchOf({
          workflowVersion: versionId,
          origin: "agent",
          from: e.canary.since,
          to: e.canary.until,
          ...over,
        })}`
      : "/requests";
  const stage = { field: "StageName" };
  const decided = { ...stage, status: s.decidedStatuses.join(",") };
  const ids = { canary: e.canary.id, baseline: e.baseline?.id };
  const cell = (href: string, text: string, testId?: string) => (
    <Link className="text-link underline" href={href} data-testid={testId}>
      {text}
    </Link>
  );
  const side = (k: "canary" | "baseline") => {
    const c = e.cohorts[k];
    const size = e.sizes[k];
    const r = e.rates[k];
    const id = ids[k];
    return {
      size: size ? (
        <>
          {cell(requests(id), `${size.requests} requests`, `${k}-requests`)} ·{" "}
          {cell(requests(id), `${size.accounts} accounts`)}
        </>
      ) : (
        "—"
      ),
      conversion: (
        <>
          {cell(requests(id, { ...stage, status: "succeeded" }), String(c.x), `${k}-x`)} of{" "}
          {cell(requests(id, decided), String(c.n), `${k}-n`)} ({pct(c.x, c.n)})
        </>
      ),
      reversal: r ? (
        <>
          {rate(r.reversalRate)}: {cell(requests(id, { status: "reverted" }), String(r.reverted))}{" "}
          reverted +{" "}
          <Link className="text-link underline" href="/reconciliation">
            {r.drifted}
          </Link>{" "}
          drifted of {cell(requests(id, { status: "succeeded,reverted" }), String(r.writes))} writes
        </>
      ) : (
        "—"
      ),
      exception: r ? (
        <>
          {rate(r.exceptionRate)}:{" "}
          {cell(requests(id, { status: "failed,dead_lettered" }), String(r.exceptions))} of{" "}
          {cell(
            requests(id, { status: "succeeded,reverted,failed,dead_lettered" }),
            String(r.executed),
          )}{" "}
          executed
        </>
      ) : (
        "—"
      ),
    };
  };
  const c = side("canary");
  const b = side("baseline");
  const t = e.test;
  const rows: [string, React.ReactNode, React.ReactNode][] = [
    ["Cohort size", c.size, b.size],
    ["Stage conversion", c.conversion, b.conversion],
    ["Reversal rate", c.reversal, b.reversal],
    ["Exception rate", c.exception, b.exception],
  ];

  return (
    <Card aria-labelledby="canary-card-title" data-testid="canary-card">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h2 id="canary-card-title" className="text-base font-semibold">
          {title}
        </h2>
        <Badge tone={s.autoRollback ? "blue" : "amber"}>
          {s.autoRollback ? "auto-rollback on" : "manual only"}
        </Badge>
      </div>
      <p className="mt-1 text-sm text-muted">
        Cohorts from {formatTime(e.canary.since)} to {formatTime(e.canary.until)}.{" "}
        {data.lastEvaluatedAt
          ? `Tollgate last evaluated it at ${formatTime(data.lastEvaluatedAt)}`
          : "Tollgate has not evaluated it yet"}
        ; figures as of {formatTime(data.evaluatedAt)}.{" "}
        {data.state === "canary" &&
          (s.autoRollback
            ? "When a criterion is not met, Tollgate rolls the canary back on its own."
            : "TOLLGATE_CANARY_MANUAL_ONLY is set: Tollgate only reports; a person promotes or rolls back.")}
      </p>

      {data.rollback && (
        <Alert tone="warning" className="mt-3">
          Rolled back at {formatTime(data.rollback.at)} by {data.rollback.by}
          {data.rollback.automatic ? " (automatic)" : ""}.{" "}
          {data.rollback.failed.length ? (
            <ul className="mt-1 list-disc pl-5" data-testid="rollback-failed">
              {data.rollback.failed.map((f) => (
                <li key={f.key}>
                  {f.label}: not met — {f.evidence}
                </li>
              ))}
            </ul>
          ) : (
            <>Reason: {data.rollback.reason}</>
          )}
        </Alert>
      )}

      <TableFrame label="Canary vs baseline" minWidth="44rem" framed={false} dense className="mt-3">
        <thead>
          <tr className="border-b border-line text-left text-muted">
            <th scope="col" className="px-[var(--cell-x)] py-[var(--cell-y)] font-medium">
              Figure
            </th>
            <th scope="col" className="px-[var(--cell-x)] py-[var(--cell-y)] font-medium">
              Canary (v{e.canary.version})
            </th>
            <th scope="col" className="px-[var(--cell-x)] py-[var(--cell-y)] font-medium">
              Baseline{e.baseline ? ` (v${e.baseline.version})` : ""}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, cv, bv]) => (
            <tr key={label} className="border-b border-line last:border-0 align-top">
              <th
                scope="row"
                className="px-[var(--cell-x)] py-[var(--cell-y)] text-left font-medium"
              >
                {label}
              </th>
              <td className="px-[var(--cell-x)] py-[var(--cell-y)]">{cv}</td>
              <td className="px-[var(--cell-x)] py-[var(--cell-y)]">{bv}</td>
            </tr>
          ))}
        </tbody>
      </TableFrame>

      <dl
        className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm"
        data-testid="canary-test"
      >
        <dt className="text-muted">Difference (canary − baseline)</dt>
        <dd>{t ? `${(100 * (t.p1 - t.p2)).toFixed(1)} points` : "—"}</dd>
        <dt className="text-muted">Two-proportion z, one-sided p (all data so far)</dt>
        <dd>
          {t
            ? `z = ${t.z.toFixed(2)}, p = ${p3(t.pDrop)}`
            : "— (a cohort is empty or has no variance)"}
        </dd>
        <dt className="text-muted">Looks taken</dt>
        <dd data-testid="looks">
          {e.looks.length} of {s.looks.length}
          {e.looks.map((l) => (
            <span key={l.look} className="block text-xs">
              look {l.look} at {l.n1} canary / {l.n2} baseline stage changes ({formatTime(l.at)}):{" "}
              {l.x1}/{l.n1} vs {l.x2}/{l.n2}
              {l.test ? `, z = ${l.test.z.toFixed(2)}, p = ${p3(l.test.pDrop)}` : ""} —{" "}
              {!l.judged
                ? "baseline too small to judge"
                : l.failed
                  ? "drop: not met"
                  : "no significant drop"}
            </span>
          ))}
        </dd>
        <dt className="text-muted">Next look</dt>
        <dd>
          {e.nextLook
            ? `at ${e.nextLook.n} decided canary stage changes (${e.cohorts.canary.n} now), p < ${p3(e.nextLook.threshold)}`
            : "every look taken: conversion is no longer tested automatically"}
        </dd>
      </dl>

      <h3 className="mt-4 text-sm font-semibold">Criteria</h3>
      <ul className="mt-1 space-y-1 text-sm" data-testid="canary-criteria">
        {e.checks.map((k) => {
          const v = VERDICT[k.failed === null ? "wait" : k.failed ? "failed" : "met"];
          return (
            <li key={k.key} className="flex flex-wrap items-baseline gap-2">
              <Badge tone={v.tone}>{v.text}</Badge>
              <span>{k.label}</span>
              <span className="text-muted">
                — {k.evidence}
                {k.failed === null ? ` (needs at least ${k.minSample} per cohort)` : ""}
              </span>
            </li>
          );
        })}
      </ul>

      <details className="mt-4 text-sm">
        <summary className="cursor-pointer font-medium">Definitions</summary>
        <dl className="mt-2 space-y-2 text-muted">
          <div>
            <dt className="font-medium text-fg">Cohorts</dt>
            <dd>
              The agents&apos; own requests under each version since the canary was published (the
              baseline is the version at 100 % that the canary takes accounts from; accounts are
              split by a sticky hash, so each account stays in one cohort).
            </dd>
          </div>
          <div>
            <dt className="font-medium text-fg">Stage conversion</dt>
            <dd>
              Of a cohort&apos;s decided stage changes (requests changing StageName that are no
              longer open and not merely observed), the share that stands in Salesforce: succeeded,
              not reverted, and no drift found by reconciliation. The linked &ldquo;succeeded&rdquo;
              requests still include any that drifted.
            </dd>
          </div>
          <div>
            <dt className="font-medium text-fg">Two-proportion z and p</dt>
            <dd>
              z = (canary rate − baseline rate) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with p̂ the pooled rate; p
              is one-sided, P(Z ≤ z): small when the canary converts less.
            </dd>
          </div>
          <div>
            <dt className="font-medium text-fg">Looks</dt>
            <dd>
              Tollgate evaluates every 15 s, but tests conversion only at fixed looks: when the
              canary cohort reaches {s.looks.join(", ")} decided stage changes. Each look uses the
              data as it stood then and is judged at α / {s.looks.length} = {p3(s.lookAlpha)}{" "}
              (Bonferroni), so a canary as good as its baseline is rolled back by chance at most α ={" "}
              {s.alpha} of the time, however long it runs.
            </dd>
          </div>
          <div>
            <dt className="font-medium text-fg">Reversal and exception rates</dt>
            <dd>
              As on the metrics page: reverted + drifted writes / succeeded writes; failed,
              dead-lettered or conflicting requests / executed requests, from the hourly rollups.
              Judged once the canary has the minimum sample shown.
            </dd>
          </div>
        </dl>
      </details>
    </Card>
  );
}
