import Link from "next/link";
import { Badge } from "@/components/ui";
import type { TGateView } from "./queries";

type TCheck = TGateView["gate"]["checks"][number];

/** Each criterion: met or not (or not applying in this phase), its figures and the links behind them. */
export function GateChecks({ checks }: { checks: TCheck[] }) {
  return (
    <ul className="divide-y divide-line text-sm" aria-label="Criteria">
      {checks.map((c) => (
        <li
          key={c.key}
          data-testid={`criterion-${c.key}`}
          data-met={c.met ? "true" : "false"}
          className="flex flex-wrap items-start gap-x-3 gap-y-1 py-2"
        >
          <span className="w-20 shrink-0">
            {!c.applies ? (
              <Badge tone="gray">n/a</Badge>
            ) : c.met ? (
              <Badge tone="green">met</Badge>
            ) : (
              <Badge tone="red">not met</Badge>
            )}
          </span>
          <div className="min-w-0 flex-1">
            <div className="font-medium">{c.label}</div>
            <div className="text-xs text-muted">{c.evidence}</div>
            {c.links.length > 0 && (
              <div className="mt-0.5 flex flex-wrap gap-x-3 text-xs">
                {c.links.map((l) => (
                  <Link key={l.label} href={l.href} className="text-link underline">
                    {l.label}
                  </Link>
                ))}
              </div>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
