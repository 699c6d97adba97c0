// Small node:http helpers shared by the sandbox routes: body parsing with Salesforce's
// error shapes, JSON responses, and the HTTP-date rule used by conditional requests.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SalesforceApiError, type SalesforceErrorBody } from "./errors";

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

const prefetched = new WeakMap<IncomingMessage, Promise<string>>();

/**
 * Read the body now, before an injected delay: like a real server, a request that fully
 * arrived is processed even if its client has gone away meanwhile.
 */
export function prefetchBody(req: IncomingMessage): Promise<string> {
  const p = readRawBody(req);
  prefetched.set(req, p);
  return p;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return prefetched.get(req) ?? readRawBody(req);
}

async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new SalesforceApiError(
        "REQUEST_ENTITY_TOO_LARGE",
        "Request body exceeds the sandbox limit of 10 MB",
        {
          status: 413,
        },
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SalesforceApiError(
      "JSON_PARSER_ERROR",
      `Unexpected character in JSON body: ${(err as Error).message}`,
    );
  }
}

export function jsonObject(value: unknown, what = "request body"): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SalesforceApiError(
      "JSON_PARSER_ERROR",
      `Cannot deserialize ${what}: expected a JSON object`,
    );
  }
  return value as Record<string, unknown>;
}

export function errorResponse(
  status: number,
  errors: SalesforceErrorBody[],
  headers?: Record<string, string>,
): ApiResponse {
  return { status, body: errors, headers };
}

export function fromError(err: unknown): ApiResponse {
  if (err instanceof SalesforceApiError) return errorResponse(err.status, [err.toBody()]);
  const id = Math.floor(Math.random() * 1e9);
  // Salesforce's catch-all: an opaque message with an error id, nothing internal leaked.
  console.error(`[sf-sandbox] unexpected error ${id}:`, err);
  return errorResponse(500, [
    {
      errorCode: "UNKNOWN_EXCEPTION",
      message: `An unexpected error occurred. Please include this ErrorId if you contact support: ${id}`,
    },
  ]);
}

export function send(res: ServerResponse, response: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  if (response.status === 204 || response.status === 304 || response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const payload = JSON.stringify(response.body);
  headers["Content-Type"] = "application/json;charset=UTF-8";
  headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * HTTP dates carry whole seconds, so a record counts as modified after a header date only
 * when its LastModifiedDate falls in a later second. (The store guarantees each write moves
 * LastModifiedDate into a new second, so no write can hide inside the header's second.)
 */
export function modifiedSince(lastModifiedMs: number, headerMs: number): boolean {
  return Math.floor(lastModifiedMs / 1000) > Math.floor(headerMs / 1000);
}

export function parseHttpDateHeader(
  name: string,
  value: string | string[] | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new SalesforceApiError(
      "INVALID_HEADER_TYPE",
      `${name} header is not a valid HTTP date: ${text}`,
    );
  }
  return ms;
}

export type WriteKind = "create" | "update" | "delete";

/** What a data-API route sees: the parsed request, the caller's session and the org. */
export interface ApiContext {
  method: string;
  url: URL;
  /** API version from the path, e.g. `62.0`. */
  version: string;
  /** Path segments after `/services/data/vNN.N/`. */
  segments: string[];
  headers: IncomingMessage["headers"];
  userId: string;
  store: import("./store").SandboxStore;
  body: () => Promise<unknown>;
  recordWrite: (kind: WriteKind, count?: number) => void;
}

export function methodNotAllowed(method: string, allowed: string[]): ApiResponse {
  return errorResponse(405, [
    {
      errorCode: "METHOD_NOT_ALLOWED",
      message: `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(",")}`,
    },
  ]);
}

export function resourceNotFound(): ApiResponse {
  return errorResponse(404, [
    { errorCode: "NOT_FOUND", message: "The requested resource does not exist" },
  ]);
}
