// /query, /queryAll and /query/{locator}. Results past one batch are held in a server-side
// cursor and served through nextRecordsUrl, like Salesforce's query locators (which also
// snapshot the result set when the query runs and expire after 15 minutes idle).
import { randomBytes } from "node:crypto";
import { SoqlError } from "./errors";
import { evaluateSoql, type ResultRecord } from "./soql-evaluator";
import {
  errorResponse,
  methodNotAllowed,
  resourceNotFound,
  type ApiContext,
  type ApiResponse,
} from "./server-http";

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;
const CURSOR_IDLE_MS = 15 * 60 * 1000;

interface Cursor {
  records: ResultRecord[];
  batchSize: number;
  expiresAt: number;
}

/** `Sforce-Query-Options: batchSize=N`, clamped to Salesforce's documented 200–2000. */
function batchSizeOf(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  const m = /batchSize\s*=\s*(\d+)/i.exec(text);
  if (!m) return undefined;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

export class QueryCursors {
  private cursors = new Map<string, Cursor>();

  constructor(private readonly now: () => number) {}

  clear(): void {
    this.cursors.clear();
  }

  get size(): number {
    return this.cursors.size;
  }

  private sweep() {
    const now = this.now();
    for (const [id, c] of this.cursors) if (c.expiresAt <= now) this.cursors.delete(id);
  }

  /** One page starting at `offset`, registering a cursor when more remain. */
  page(
    version: string,
    records: ResultRecord[],
    totalSize: number,
    batchSize: number,
    offset: number,
    cursorId?: string,
  ) {
    const end = Math.min(records.length, offset + batchSize);
    const done = end >= records.length;
    let id = cursorId;
    if (!done && !id) {
      id = `01g${randomBytes(12).toString("base64url").replace(/[-_]/g, "0").slice(0, 15)}`;
      this.cursors.set(id, { records, batchSize, expiresAt: this.now() + CURSOR_IDLE_MS });
    }
    if (done && id) this.cursors.delete(id);
    return {
      totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${end}` }),
      records: records.slice(offset, end),
    };
  }

  more(version: string, locator: string, header: string | string[] | undefined) {
    this.sweep();
    const m = /^(01g[A-Za-z0-9]{15})-(\d+)$/.exec(locator);
    const cursor = m ? this.cursors.get(m[1]) : undefined;
    if (!m || !cursor || Number(m[2]) > cursor.records.length) {
      throw new SoqlError("INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    cursor.expiresAt = this.now() + CURSOR_IDLE_MS;
    const batchSize = batchSizeOf(header) ?? cursor.batchSize;
    return this.page(version, cursor.records, cursor.records.length, batchSize, Number(m[2]), m[1]);
  }
}

export function queryRoute(ctx: ApiContext, cursors: QueryCursors): ApiResponse {
  if (ctx.method !== "GET") return methodNotAllowed(ctx.method, ["GET"]);
  const [resource, locator, extra] = ctx.segments;
  if (extra !== undefined) return resourceNotFound();
  const header = ctx.headers["sforce-query-options"];
  if (locator !== undefined) {
    if (resource !== "query" && resource !== "queryAll") return resourceNotFound();
    return { status: 200, body: cursors.more(ctx.version, locator, header) };
  }
  const soql = ctx.url.searchParams.get("q");
  if (soql === null) {
    return errorResponse(400, [
      { errorCode: "MALFORMED_QUERY", message: "A query string has to be specified" },
    ]);
  }
  const result = evaluateSoql(soql, ctx.store, {
    now: ctx.store.clock(),
    apiVersion: ctx.version,
    includeDeleted: resource === "queryAll",
  });
  // COUNT() answers with a bare totalSize; everything else pages through the records.
  const totalSize = result.records.length === 0 ? result.totalSize : result.records.length;
  return {
    status: 200,
    body: cursors.page(
      ctx.version,
      result.records,
      totalSize,
      batchSizeOf(header) ?? DEFAULT_BATCH,
      0,
    ),
  };
}
