import http from "node:http";

/**
 * One agent POST of `payload` to the action-requests route on loopback: its status (or the
 * socket's error code) and how long it took. Never throws: a bench counts failures.
 */
export function postActionRequest(opts: {
  agent: http.Agent;
  port: number;
  key: string;
  payload: string;
}): Promise<{ ms: number; status: number | string }> {
  return new Promise((resolve) => {
    const t = performance.now();
    const req = http.request(
      {
        agent: opts.agent,
        host: "127.0.0.1",
        port: opts.port,
        method: "POST",
        path: "/api/agent/v1/action-requests",
        headers: {
          authorization: `Bearer ${opts.key}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(opts.payload),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ ms: performance.now() - t, status: res.statusCode ?? 0 }));
      },
    );
    req.on("error", (e) =>
      resolve({ ms: performance.now() - t, status: (e as NodeJS.ErrnoException).code ?? "error" }),
    );
    req.end(opts.payload);
  });
}
