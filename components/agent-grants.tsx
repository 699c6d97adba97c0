import type { TGrantSummary } from "@/lib/agents";
import { cx } from "./ui";
import { formatTime } from "./format";

/**
 * What an agent's grants let it write: object · operations · fields, the condition, and when an
 * elevation ends. Struck through once a grant no longer applies. `xs` for a table cell.
 */
export function GrantList({
  grants,
  now,
  size = "sm",
  className,
  "data-testid": testId,
}: {
  grants: TGrantSummary[];
  now: Date;
  size?: "xs" | "sm";
  className?: string;
  "data-testid"?: string;
}) {
  const small = size === "xs" ? "text-[11px]" : "text-xs";
  return (
    <ul
      data-testid={testId}
      className={cx(size === "xs" ? "space-y-1 text-xs" : "space-y-2 text-sm", className)}
    >
      {grants.map((g, i) => (
        <li key={i} className={g.active ? "" : "text-muted line-through"}>
          <span className="font-medium">{g.object}</span> · {g.operations.join("/")}
          {g.fields.length > 0 && <> · {g.fields.join(", ")}</>}
          {g.condition && (
            <div className={cx("font-mono text-muted", small)}>where {g.condition}</div>
          )}
          {g.validUntil && (
            <div className={cx("text-amber-700", small)}>
              {g.validUntil > now ? "elevated until " : "expired "}
              {formatTime(g.validUntil)}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
