import { PassThrough } from "node:stream";
import { Transport } from "jsforce/lib/transport";
import { StreamPromise } from "jsforce/lib/util/promise";
import type { HttpRequest, HttpRequestOptions, HttpResponse } from "jsforce/lib/types";
import { ConnectorError } from "@/lib/connectors/salesforce/errors";
import { DestinationRefused, type TDestinationKind } from "@/lib/net/destination";
import { pinnedRequest } from "@/lib/net/pinned-request";

const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * jsforce's HTTP transport, replaced so every Salesforce call (the OAuth login, every REST call
 * to the instance URL the login returned, session refreshes) goes through the destination
 * policy with the connection pinned to the checked addresses. jsforce's own transport follows
 * redirects with the Authorization header and resolves DNS on its own; this one does neither.
 *
 * It also remembers the HTTP status of the last failed answer and the last refusal, so a
 * failure can be reported as class + status without keeping anything the server said.
 */
export class PinnedSalesforceTransport extends Transport {
  lastErrorStatus: number | null = null;
  lastRefusal: DestinationRefused | null = null;

  /** `kind`: the rule every call's URL must pass (the login host and the instance alike). */
  constructor(
    private readonly kind: TDestinationKind,
    private readonly defaultTimeoutMs = 15_000,
  ) {
    super();
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}) {
    return StreamPromise.create<HttpResponse>(() => {
      const stream = new PassThrough();
      const body = req.body;
      if (body != null && typeof body !== "string" && !Buffer.isBuffer(body)) {
        throw new Error("Only string and Buffer bodies are supported");
      }
      const promise = pinnedRequest({
        url: req.url,
        kind: this.kind,
        method: req.method,
        headers: req.headers,
        body: body ?? undefined,
        timeoutMs: options.timeout ?? this.defaultTimeoutMs,
        maxBodyBytes: MAX_ANSWER_BYTES,
      }).then(
        (res) => {
          if (res.status >= 400) this.lastErrorStatus = res.status;
          const text = res.body.toString("utf8");
          stream.end(text);
          return { statusCode: res.status, headers: res.headers, body: text };
        },
        (err: unknown) => {
          stream.destroy();
          if (!(err instanceof DestinationRefused)) throw err;
          // never retried, never mistaken for a refused login
          this.lastRefusal = err;
          throw new ConnectorError("permission", "DESTINATION_REFUSED", err.message);
        },
      );
      return { stream, promise };
    });
  }
}
