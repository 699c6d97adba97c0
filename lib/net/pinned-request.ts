import http from "node:http";
import https from "node:https";
import { checkDestination, lookupPinnedTo, type TDestinationKind } from "./destination";

export type TPinnedRequest = {
  url: string;
  kind: TDestinationKind;
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  /** bytes of the answer kept; more is an error (0: the answer is not read at all) */
  maxBodyBytes: number;
};

export type TPinnedResponse = { status: number; headers: Record<string, string>; body: Buffer };

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

const timeoutError = () =>
  Object.assign(new Error("The request timed out"), { code: "ETIMEDOUT", name: "TimeoutError" });

/**
 * One HTTP request through the destination policy: the URL is checked (form and resolved
 * addresses) and the socket connects to exactly the checked addresses. Redirects are never
 * followed (a 3xx is returned as is). Throws DestinationRefused before any traffic for a
 * refused destination; network errors keep their `code` (ECONNREFUSED, ETIMEDOUT, …).
 */
export async function pinnedRequest(req: TPinnedRequest): Promise<TPinnedResponse> {
  const target = await checkDestination(req.url, req.kind);
  const transport = target.url.protocol === "https:" ? https : http;
  return new Promise<TPinnedResponse>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, res?: TPinnedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const request = transport.request(
      target.url,
      {
        method: req.method,
        headers: req.headers,
        agent: agents[target.url.protocol as "http:" | "https:"],
        lookup: lookupPinnedTo(target.addresses),
      },
      (res) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
        }
        const status = res.statusCode ?? 0;
        if (req.maxBodyBytes === 0) {
          res.destroy(); // the answer is not wanted: stop reading at the headers
          done(null, { status, headers, body: Buffer.alloc(0) });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > req.maxBodyBytes) {
            res.destroy();
            done(Object.assign(new Error("The answer is too large"), { code: "ETOOLARGE" }));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => done(null, { status, headers, body: Buffer.concat(chunks) }));
        res.on("error", (e) => done(e));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      done(timeoutError());
    }, req.timeoutMs);
    request.on("error", (e) => done(e));
    request.end(req.body);
  });
}
