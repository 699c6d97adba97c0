"use client";

import type { TInboxItem } from "@/lib/approvals";
import { cx, TableBody, TableCell, TableFrame, TableHeader } from "@/components/ui";
import { formatAmount } from "./shared";

type TSummary = NonNullable<TInboxItem["record"]>;

const FACTS = [
  ["account", "Account"],
  ["amount", "Amount"],
  ["stage", "Stage"],
  ["owner", "Owner"],
] as const;

const factText = (s: TSummary, key: (typeof FACTS)[number][0]) =>
  key === "amount" ? formatAmount(s.amount) : s[key];

/** One line for the list: account · amount · stage · owner (each labelled on hover). */
export function RecordFactsLine({ record }: { record: TInboxItem["record"] }) {
  if (!record) return null;
  const parts = FACTS.map(([key, label]) => [label, factText(record, key)] as const).filter(
    ([, v]) => v,
  );
  if (!parts.length) return null;
  return (
    <div className="mt-0.5 truncate text-xs text-muted" aria-label="Record">
      {parts.map(([label, v], n) => (
        <span key={label} title={label}>
          {n > 0 && " · "}
          <span className="sr-only">{label}: </span>
          {v}
        </span>
      ))}
    </div>
  );
}

/**
 * The record as an approver needs it: name, account, amount, stage, owner — as the agent saw
 * it when it asked, and as Salesforce has it now (when it could be read).
 */
export function RecordFacts({
  snapshot,
  now,
  isNew,
}: {
  snapshot: TInboxItem["record"];
  now: TInboxItem["record"] | undefined;
  isNew: boolean;
}) {
  if (!snapshot && !now) return null;
  const rows = ([["name", "Name"], ...FACTS] as [keyof TSummary, string][]).filter(
    ([key]) => snapshot?.[key] != null || now?.[key] != null,
  );
  const text = (s: TInboxItem["record"] | undefined, key: keyof TSummary) =>
    s ? ((key === "amount" ? formatAmount(s.amount) : (s[key] as string | null)) ?? "—") : "—";
  return (
    <TableFrame label="Record" minWidth="20rem" dense className="mt-4">
      <TableHeader
        columns={[
          "Record",
          isNew ? "Proposed" : "When proposed",
          now !== undefined && "In Salesforce now",
        ]}
      />
      <TableBody>
        {rows.map(([key, label]) => {
          const before = text(snapshot, key);
          const current = now === undefined ? null : text(now, key);
          const changed = current !== null && now !== null && snapshot && current !== before;
          return (
            <tr key={key} className="align-top">
              <th
                scope="row"
                className="px-(--cell-x) py-(--cell-y) text-left font-normal text-muted"
              >
                {label}
              </th>
              <TableCell>{before}</TableCell>
              {now !== undefined && (
                <TableCell className={cx(changed && "font-medium text-amber-800")}>
                  {current}
                </TableCell>
              )}
            </tr>
          );
        })}
      </TableBody>
    </TableFrame>
  );
}
