// A Salesforce-REST-compatible sandbox on node:http: OAuth password login, sObject rows,
// collections, SOQL with paging, API-usage limits, and (opt-in) test-control routes.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { seedDemoData } from "./demo-data";
import { FaultController, type FaultRule, type TFaultInput } from "./faults";
import { compositeRoute } from "./routes-composite";
import { controlRoute } from "./routes-control";
import { QueryCursors, queryRoute } from "./routes-query";
import { sobjectsRoute } from "./routes-sobjects";
import {
  DEFAULT_SANDBOX_CREDENTIALS,
  identity,
  INVALID_SESSION,
  SessionRegistry,
  type SandboxCredentials,
} from "./server-auth";
import {
  errorResponse,
  fromError,
  parseJson,
  readBody,
  prefetchBody,
  resourceNotFound,
  send,
  type ApiContext,
  type ApiResponse,
  type WriteKind,
} from "./server-http";
import { INTEGRATION_USER_ID, SandboxStore, type Clock } from "./store";

export interface SandboxServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Bring your own store (e.g. loaded from a snapshot); otherwise a new one is made. */
  store?: SandboxStore;
  clock?: Clock;
  seed?: "demo" | "none";
  credentials?: Partial<SandboxCredentials>;
  /** Access-token lifetime; Salesforce's default session timeout is 2 hours. */
  sessionTtlMs?: number;
  /** Daily API request allowance reported in Sforce-Limit-Info. */
  dailyApiLimit?: number;
  /** Mount /__sandbox/ test-control routes. Off by default: never expose them by accident. */
  control?: boolean;
}

export interface SandboxServer {
  url: string;
  port: number;
  store: SandboxStore;
  credentials: SandboxCredentials;
  faults: FaultController;
  state(): SandboxState;
  expireSessions(): void;
  close(): Promise<void>;
}

interface SandboxState {
  requests: Record<string, number>;
  totalRequests: number;
  writes: Record<WriteKind, number>;
  apiUsage: { used: number; limit: number; day: string };
  activeSessions: number;
  openCursors: number;
  faults: { latencyMs: number; pending: readonly FaultRule[] };
  /** requests held by injected latency right now, by HTTP method */
  inFlight: Record<string, number>;
  records: Record<string, number>;
}

const MIN_VERSION = 20;
const MAX_VERSION = 66;
const RELEASES = ["Winter", "Spring", "Summer"];

function versionList(baseUrl = "") {
  return Array.from({ length: MAX_VERSION - MIN_VERSION + 1 }, (_, i) => {
    const version = `${MIN_VERSION + i}.0`;
    return {
      label: `${RELEASES[i % 3]} '${11 + Math.floor(i / 3)}`,
      url: `${baseUrl}/services/data/v${version}`,
      version,
    };
  });
}

function classify(segments: string[]): string {
  const [head, second, third] = segments;
  if (head === "sobjects")
    return second === undefined
      ? "describeGlobal"
      : third === "describe"
        ? "describe"
        : third
          ? "sobject-row"
          : "sobject";
  if (head === "query" || head === "queryAll") return second ? "queryMore" : head;
  return head || "resources";
}

export async function createSandboxServer(
  options: SandboxServerOptions = {},
): Promise<SandboxServer> {
  const store = options.store ?? new SandboxStore({ clock: options.clock });
  const now = () => store.clock().getTime();
  if (options.seed === "demo") seedDemoData(store, { now: store.clock() });
  const credentials: SandboxCredentials = {
    ...DEFAULT_SANDBOX_CREDENTIALS,
    ...options.credentials,
  };
  const sessions = new SessionRegistry(
    credentials,
    options.sessionTtlMs ?? 2 * 60 * 60 * 1000,
    now,
  );
  const faults = new FaultController();
  const cursors = new QueryCursors(now);
  const hanging = new Set<ServerResponse>();
  let dailyLimit = options.dailyApiLimit ?? 15_000;
  let usage = { day: "", used: 0 };
  let requests: Record<string, number> = {};
  let writes: Record<WriteKind, number> = { create: 0, update: 0, delete: 0 };
  // requests held by injected latency right now, by method
  const inFlight: Record<string, number> = {};
  let baseUrl = "";

  const count = (bucket: string) => {
    requests[bucket] = (requests[bucket] ?? 0) + 1;
  };
  const today = () => new Date(now()).toISOString().slice(0, 10);
  const rollDay = () => {
    if (usage.day !== today()) usage = { day: today(), used: 0 };
  };
  const limitHeader = () => {
    rollDay();
    return { "Sforce-Limit-Info": `api-usage=${usage.used}/${dailyLimit}` };
  };

  const state = (): SandboxState => {
    rollDay();
    const records: Record<string, number> = {};
    for (const name of [
      "User",
      "Account",
      "Contact",
      "Lead",
      "Opportunity",
      "Quote",
      "Order",
      "OpportunityFieldHistory",
      "LeadHistory",
      "AccountHistory",
      "ContactHistory",
    ]) {
      records[name] = store.count(name);
    }
    return {
      requests: { ...requests },
      totalRequests: Object.values(requests).reduce((a, b) => a + b, 0),
      writes: { ...writes },
      apiUsage: { used: usage.used, limit: dailyLimit, day: usage.day },
      activeSessions: sessions.activeCount,
      openCursors: cursors.size,
      faults: { latencyMs: faults.latencyMs, pending: faults.pending.map((r) => ({ ...r })) },
      inFlight: { ...inFlight },
      records,
    };
  };

  const control = {
    store,
    now: () => store.clock(),
    resetRuntime: () => {
      faults.clear();
      cursors.clear();
      requests = {};
      writes = { create: 0, update: 0, delete: 0 };
      usage = { day: today(), used: 0 };
    },
    configureFaults: (input: TFaultInput) => {
      if (faults.configure(input).expireSessions) sessions.expireAll();
      return { latencyMs: faults.latencyMs, pending: faults.pending };
    },
    setLimits: (input: { dailyLimit?: number; used?: number }) => {
      rollDay();
      if (input.dailyLimit !== undefined) dailyLimit = input.dailyLimit;
      if (input.used !== undefined) usage.used = input.used;
    },
    state,
  };

  /** Applies an injected fault; returns true when the request was answered (or left hanging). */
  const applyFault = (
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
    extraHeaders: Record<string, string>,
  ): boolean => {
    const fault = faults.take(path, (req.method ?? "GET").toUpperCase());
    if (!fault) return false;
    if (fault.kind === "timeout") {
      // Never answer: the client's own timeout is what the test exercises.
      hanging.add(res);
      req.on("close", () => hanging.delete(res));
      return true;
    }
    if (fault.kind === "rateLimit") {
      send(
        res,
        errorResponse(
          403,
          [{ errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." }],
          extraHeaders,
        ),
      );
    } else {
      send(
        res,
        errorResponse(
          fault.status,
          [{ errorCode: fault.errorCode, message: fault.message }],
          extraHeaders,
        ),
      );
    }
    return true;
  };

  const dataApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<ApiResponse | undefined> => {
    const m = /^\/services\/data\/v(\d{2,3}\.\d)(?:\/(.*))?$/.exec(url.pathname);
    const major = m ? Number(m[1].split(".")[0]) : 0;
    if (!m || major < MIN_VERSION || major > MAX_VERSION) return resourceNotFound();
    const segments = (m[2] ?? "").split("/").filter(Boolean).map(decodeURIComponent);
    count(`${method} ${classify(segments)}`);
    if (applyFault(url.pathname, req, res, limitHeader())) return undefined;
    const session = sessions.authenticate(req.headers.authorization);
    if (!session) return INVALID_SESSION;
    rollDay();
    if (usage.used >= dailyLimit) {
      return errorResponse(403, [
        { errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." },
      ]);
    }
    usage.used += 1;
    let cached: Promise<unknown> | undefined;
    const ctx: ApiContext = {
      method,
      url,
      version: m[1],
      segments,
      headers: req.headers,
      userId: session.userId,
      store,
      body: () => (cached ??= readBody(req).then(parseJson)),
      recordWrite: (kind, count = 1) => {
        writes[kind] += count;
      },
    };
    switch (segments[0]) {
      case undefined:
        if (method !== "GET") return resourceNotFound();
        return {
          status: 200,
          body: Object.fromEntries(
            ["sobjects", "query", "queryAll", "composite", "limits"].map((r) => [
              r,
              `/services/data/v${m[1]}/${r}`,
            ]),
          ),
        };
      case "sobjects":
        return sobjectsRoute(ctx);
      case "composite":
        return compositeRoute(ctx);
      case "query":
      case "queryAll":
        return queryRoute(ctx, cursors);
      case "limits":
        return {
          status: 200,
          body: {
            DailyApiRequests: { Max: dailyLimit, Remaining: Math.max(0, dailyLimit - usage.used) },
          },
        };
      default:
        return resourceNotFound();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", baseUrl);
    const path = url.pathname;
    const latency = faults.latencyFor(method);
    if (latency > 0 && !path.startsWith("/__sandbox/")) {
      if (method !== "GET") await prefetchBody(req).catch(() => "");
      inFlight[method] = (inFlight[method] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, latency));
      inFlight[method] -= 1;
    }
    if (path.startsWith("/__sandbox/")) {
      count(`${method} control`);
      if (!options.control) return send(res, resourceNotFound());
      return send(
        res,
        controlRoute(control, method, path.slice("/__sandbox/".length), await readBody(req)),
      );
    }
    if (path === "/services/oauth2/token" || path === "/services/oauth2/revoke") {
      count(`${method} ${path.endsWith("token") ? "token" : "revoke"}`);
      if (applyFault(path, req, res, {})) return;
      if (method !== "POST")
        return send(res, {
          status: 405,
          body: { error: "invalid_request", error_description: "must use HTTP POST" },
        });
      const form = new URLSearchParams(await readBody(req));
      for (const [k, v] of url.searchParams) if (!form.has(k)) form.set(k, v);
      if (path.endsWith("revoke")) {
        sessions.revoke(form.get("token") ?? "");
        return send(res, { status: 200 });
      }
      return send(res, sessions.token(form, baseUrl, INTEGRATION_USER_ID));
    }
    const idMatch = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(path);
    if (idMatch) {
      if (!sessions.authenticate(req.headers.authorization))
        return send(res, { status: 403, body: "Bad_OAuth_Token" });
      return send(res, identity(store, baseUrl, idMatch[1], idMatch[2]));
    }
    if (path === "/services/data" || path === "/services/data/") {
      // Like Salesforce, the version list needs no session.
      return send(res, { status: 200, body: versionList(), headers: limitHeader() });
    }
    if (path.startsWith("/services/data/")) {
      const response = await dataApi(req, res, url, method);
      if (response) send(res, { ...response, headers: { ...response.headers, ...limitHeader() } });
      return;
    }
    send(res, resourceNotFound());
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      const response = fromError(err);
      const headers = req.url?.startsWith("/services/data/") ? limitHeader() : {};
      send(res, { ...response, headers: { ...response.headers, ...headers } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.address}:${address.port}`;

  return {
    url: baseUrl,
    port: address.port,
    store,
    credentials,
    faults,
    state,
    expireSessions: () => sessions.expireAll(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of hanging) res.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
