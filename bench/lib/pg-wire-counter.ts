import net from "node:net";

/** One statement a client sent, seen on the wire: when, on which connection, and its SQL. */
export type TWireStatement = { at: number; conn: number; sql: string };

/**
 * A loopback TCP proxy in front of PostgreSQL that reads the frontend side of the protocol and
 * records every statement (a simple Query, or an Execute of the statement the last Bind named: the
 * unnamed one's last Parse, or a named prepared statement's text from its Parse on that
 * connection, sent once per connection) and every round trip
 * (a Query, or a Sync closing an extended-protocol batch). Point a server's DATABASE_URL at
 * `port` and attribute what it sent to the requests in flight. Counting, not timing: the extra
 * hop costs latency, so a bench measures speed on a direct connection.
 */
export async function startWireCounter(target: { host: string; port: number }) {
  const statements: TWireStatement[] = [];
  const roundTrips: number[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const conn = ++connections;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let buf = Buffer.alloc(0);
    let started = false; // the startup message (and SSL/GSS requests before it) has no type byte
    let lastParse = ""; // the unnamed statement's text
    const named = new Map<string, string>(); // prepared statements of this connection
    let bound = "";
    client.on("data", (chunk) => {
      upstream.write(chunk);
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          // SSLRequest / GSSENCRequest: the real startup message follows
          if (code !== 80877103 && code !== 80877104) started = true;
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) break;
        const type = String.fromCharCode(buf[0]);
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        const body = buf.subarray(5, len + 1);
        const now = performance.now();
        if (type === "Q") {
          statements.push({ at: now, conn, sql: cString(body, 0) });
          roundTrips.push(now);
        } else if (type === "P") {
          const nameEnd = body.indexOf(0);
          const name = cString(body, 0);
          if (name) named.set(name, cString(body, nameEnd + 1));
          else lastParse = cString(body, nameEnd + 1);
        } else if (type === "B") {
          const stmt = cString(body, body.indexOf(0) + 1);
          bound = stmt ? (named.get(stmt) ?? `(prepared ${stmt})`) : lastParse;
        } else if (type === "E") {
          statements.push({ at: now, conn, sql: bound });
        } else if (type === "S") {
          roundTrips.push(now);
        }
        buf = buf.subarray(len + 1);
      }
    });
    upstream.on("data", (d) => client.write(d));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    statements,
    roundTrips,
    /** statements and round trips seen in [from, to] (performance.now() milliseconds) */
    between(from: number, to: number) {
      return {
        statements: statements.filter((s) => s.at >= from && s.at <= to),
        roundTrips: roundTrips.filter((t) => t >= from && t <= to).length,
      };
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function cString(b: Buffer, from: number) {
  const end = b.indexOf(0, from);
  return b.toString("utf8", from, end < 0 ? b.length : end);
}
