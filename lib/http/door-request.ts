/**
 * The request the agent API's own door (agent-door.ts) hands its handlers: what they read of a
 * WHATWG Request — method, url, headers, signal, and the body already read — without undici's
 * Request constructor, whose body stream, signal and URL parsing cost about a tenth of an agent
 * request's CPU (bench:ingest --profile). The body is kept as the bytes the door read, and
 * `readJsonBody` takes them as they are (`bufferedBodyOf`); `body` still gives a stream for any
 * reader that wants one. Handlers that pass the request on to code expecting a real Request
 * (MCP's transport) get one from the door instead (agent-paths' `fullRequest`).
 */
// by name, not by identity: the door and the handlers may be different copies of this module
// (the door runs outside Next's bundle)
const BUFFERED = Symbol.for("tollgate.doorRequest.bufferedBody");

export class DoorRequest {
  readonly headers: Headers;
  private aborted = false;
  private controller: AbortController | null = null;

  constructor(
    readonly method: string,
    readonly url: string,
    rawHeaders: string[],
    private readonly bytes: Uint8Array | null,
  ) {
    this.headers = new Headers();
    for (let i = 0; i < rawHeaders.length; i += 2) {
      this.headers.append(rawHeaders[i], rawHeaders[i + 1]);
    }
  }

  /** The body as the door read it (null for GET and DELETE). */
  get [BUFFERED](): Uint8Array | null {
    return this.bytes;
  }

  get body(): ReadableStream<Uint8Array> | null {
    const bytes = this.bytes;
    if (!bytes) return null;
    return new ReadableStream({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
  }

  /** Aborted when the agent hangs up (a long poll stops); made only when a handler asks. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** The agent hung up before the answer was sent. */
  hangUp() {
    this.aborted = true;
    this.controller?.abort();
  }

  async text(): Promise<string> {
    return this.bytes ? Buffer.from(this.bytes).toString("utf8") : "";
  }
}

/** A request whose body the door already read, as `readJsonBody` takes it; else undefined. */
export function bufferedBodyOf(req: Request): Uint8Array | null | undefined {
  return BUFFERED in req ? (req as unknown as DoorRequest)[BUFFERED] : undefined;
}
