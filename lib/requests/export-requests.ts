import "server-only";
import { AppError } from "@/lib/core/errors";
import { csvLine } from "./csv";
import {
  countRequests,
  parseRequestQuery,
  requestBatches,
  type TRequestRow,
} from "./list-requests";

/** Rows read per keyset batch while exporting: memory holds one batch. */
export const EXPORT_BATCH = 2000;
/** The count sent ahead of an export stops here (the header then says "at least"). */
export const EXPORT_COUNT_CAP = 200_000;

export type TExportFormat = "csv" | "jsonl";

/** The export's columns: the table's, each name and its id. */
const COLUMNS: [string, (r: TRequestRow) => unknown][] = [
  ["id", (r) => r.id],
  ["created_at", (r) => r.createdAt],
  ["status", (r) => r.status],
  ["environment", (r) => r.environment],
  ["agent", (r) => r.agent.name],
  ["agent_id", (r) => r.agent.id],
  ["workflow", (r) => r.workflow?.name],
  ["workflow_version", (r) => r.workflow?.version],
  ["workflow_version_id", (r) => r.workflow?.versionId],
  ["action_type", (r) => r.actionType?.name],
  ["action_type_key", (r) => r.actionType?.key],
  ["object", (r) => r.object],
  ["record_name", (r) => r.recordName],
  ["record_id", (r) => r.recordId],
  ["decided_by", (r) => decidedByText(r)],
  ["decided_at", (r) => r.decidedAt],
  ["outcome", (r) => r.outcome],
  ["reason", (r) => r.reasonText],
  // a person's revert: the request it reverts, and "delete" when it deletes the record
  ["reverts", (r) => r.revert?.of],
  ["revert_operation", (r) => (r.revert ? (r.revert.deletes ? "delete" : "update") : null)],
];

/** Who decided, as one cell: the people's names, "auto", or "refused: <code>". */
export function decidedByText(r: Pick<TRequestRow, "decidedBy">): string {
  const d = r.decidedBy;
  if (!d) return "";
  if (d.kind === "people") return d.names.join("; ");
  if (d.kind === "auto") return "auto";
  return `refused${d.code ? `: ${d.code}` : ""}`;
}

/**
 * The filtered requests as a download, streamed: a ReadableStream that reads the next keyset
 * batch only when the client has taken the last one (pull), so a slow reader holds the server
 * to one batch and a million rows never sit in memory. JSONL rows are the list's rows exactly;
 * CSV rows are flat, with ids beside the names. A bad filter throws before anything is sent.
 */
export async function exportRequests(input: Record<string, string | undefined>) {
  const { format: rawFormat = "csv", cursor: _cursor, ...filters } = input;
  if (rawFormat !== "csv" && rawFormat !== "jsonl")
    throw new AppError("invalid_query", "The export format is csv or jsonl", {
      errors: [{ path: "format", message: "Expected csv or jsonl" }],
    });
  const format: TExportFormat = rawFormat;
  const q = parseRequestQuery(filters);
  const total = await countRequests(q, EXPORT_COUNT_CAP);
  const batches = requestBatches(q, EXPORT_BATCH);
  const encoder = new TextEncoder();
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started && format === "csv") {
          started = true;
          controller.enqueue(encoder.encode(csvLine(COLUMNS.map(([name]) => name))));
          return;
        }
        started = true;
        const next = await batches.next();
        if (next.done) return controller.close();
        const text =
          format === "csv"
            ? next.value.map((r) => csvLine(COLUMNS.map(([, get]) => get(r)))).join("")
            : next.value.map((r) => JSON.stringify(r) + "\n").join("");
        controller.enqueue(encoder.encode(text));
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
      "content-disposition": `attachment; filename="requests-${stamp}.${format}"`,
      "cache-control": "no-store",
      "x-total-count": String(total),
      "x-total-capped": String(total >= EXPORT_COUNT_CAP),
    },
  });
}
