import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { MAX_BODY_BYTES } from "@/lib/agent-api/limits";
import { matchAgentPath, type TAgentRoute, type TAgentRouteHandler } from "./agent-paths";
import { SECURITY_HEADERS } from "./security-headers";
import { DoorRequest } from "./door-request";

const SECURITY = SECURITY_HEADERS.map(
  ({ key, value }) => [key.toLowerCase(), value] as [string, string],
);

/** Where the door finds a route's handler for a method (undefined: Next answers the request). */
export type TAgentHandlerSource = (
  route: TAgentRoute,
  method: string,
) => TAgentRouteHandler | undefined;

/**
 * The agent API's own door in the production server (scripts/serve.ts): a request for one of its
 * paths (agent-paths.ts) goes straight from node:http to the handler its route file exports,
 * without Next's router, request wrappers and streamed response — which cost more CPU per agent
 * request than the request's own work (bench:ingest --profile). The server hands in the handlers
 * of Next's own compiled route modules, so the door and the console share one copy of lib/ (its
 * pool, caches, kill-switch memory); this file imports nothing that holds state, as it is loaded
 * outside Next's bundle. Everything the handlers check stays theirs (key, rate limits, body size
 * and depth, problems); what next.config.ts adds to every response (SECURITY_HEADERS) is added
 * here. The returned function returns false for any other method or path: Next answers those
 * (405s, HEAD, OPTIONS and every page included).
 */
export function createAgentDoor(handlers: TAgentHandlerSource) {
  return function serveAgentApi(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? "/";
    if (!url.startsWith("/api/agent/v1/")) return false;
    const q = url.indexOf("?");
    const method = req.method ?? "GET";
    const found = matchAgentPath(method, q < 0 ? url : url.slice(0, q));
    const handler = found && handlers(found.route, method);
    if (!found || !handler) return false;
    // MCP's transport takes the request as a real Request; every other handler reads only what
    // DoorRequest has
    const full = found.route === "/api/agent/v1/mcp";
    void answer(req, res, handler, found.params, full).catch((err) => {
      // the handlers render their own problems; this is the adapter failing
      if (!res.headersSent) void send(res, internalProblem(err));
      else res.destroy();
    });
    return true;
  };
}

/** As lib/http/problem.ts renders an unknown error (that module is not loaded here). */
function internalProblem(err: unknown): Response {
  const requestId = `req_${randomBytes(8).toString("base64url")}`;
  console.error(`[${requestId}]`, err);
  const body = {
    type: "https://tollgate.dev/problems/internal_error",
    title: "Internal Server Error",
    status: 500,
    code: "internal_error",
    detail: "Something went wrong on our side",
    requestId,
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { "content-type": "application/problem+json", "x-request-id": requestId },
  });
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  handler: TAgentRouteHandler,
  params: Record<string, string>,
  full: boolean,
) {
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "DELETE" ? null : await readCapped(req, res);
  const url = origin(req) + (req.url ?? "/");
  const door = new DoorRequest(method, url, req.rawHeaders, body);
  // a long poll or an MCP stream stops when the agent hangs up
  res.once("close", () => {
    if (!res.writableFinished) door.hangUp();
  });
  const request = full
    ? new Request(url, {
        method,
        headers: door.headers,
        body: body as Uint8Array<ArrayBuffer> | null,
        signal: door.signal,
      })
    : (door as unknown as Request);
  const response = await handler(request, { params: Promise.resolve(params) });
  await send(res, response);
}

/**
 * The body, at most MAX_BODY_BYTES + 1 bytes of it: enough for the handler's own limit
 * (readJsonBody) to refuse it with its 413 in its usual order (after the key). What is past the
 * limit is not read: the connection closes after the answer.
 */
function readCapped(req: IncomingMessage, res: ServerResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", done);
      req.off("error", reject);
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        res.shouldKeepAlive = false;
        res.once("finish", () => req.destroy());
        done();
      }
    };
    req.on("data", onData);
    req.once("end", done);
    req.once("error", reject);
  });
}

function origin(req: IncomingMessage): string {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? `http://${host}` : "http://localhost";
}

async function send(res: ServerResponse, response: Response) {
  const head: [string, string][] = [...SECURITY];
  response.headers.forEach((value, key) => {
    head.push([key, value]);
  });
  const type = response.headers.get("content-type") ?? "";
  if (response.body && type.startsWith("text/event-stream")) {
    // MCP's server-sent events: streamed as they come
    res.writeHead(response.status, head.flat());
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream).pipe(res);
    return;
  }
  const bytes = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  if (bytes) head.push(["content-length", String(bytes.length)]);
  res.writeHead(response.status, head.flat());
  res.end(bytes);
}
