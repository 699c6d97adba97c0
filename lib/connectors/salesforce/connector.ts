import { Connection } from "jsforce";
import type { Transport } from "jsforce/lib/transport";
import { classifyError, ConnectorError } from "./errors";

export type TSalesforceConfig = {
  /** where OAuth2 logins go: https://login.salesforce.com, a My Domain, or the sandbox URL */
  loginUrl: string;
  /** explicit API version: jsforce defaults to 50.0 */
  apiVersion: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** per HTTP call; a slower answer is a `timeout` */
  timeoutMs?: number;
};

/** One HTTP call as the execution audit records it. */
export type TConnectorCall = {
  op: string;
  method: string;
  path: string;
  ms: number;
  ok: boolean;
  status?: number;
  errorClass?: string;
  code?: string;
  at: string;
};

export type TApiUsage = { used: number; limit: number };
export type TSfRecord = Record<string, unknown> & { Id: string };
export type TBatchResult = {
  id: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

type THooks = {
  onCall?: (call: TConnectorCall) => void;
  onUsage?: (usage: TApiUsage) => void;
  /**
   * Carries every HTTP call (login, REST, session refresh) instead of jsforce's own; the
   * environments use one that applies the destination policy (lib/net/destination.ts).
   */
  transport?: Transport;
};
type TOpOptions = {
  log?: TConnectorCall[];
  /**
   * No HTTP request of this operation may still be waiting at this instant (Date.now() ms):
   * each one's timeout is cut to it, and none starts after it. Execution sets it inside its
   * lease, so a write cannot be in flight once the lease runs out (lib/execution/lease.ts).
   */
  deadlineAt?: number;
};

const MAX_BATCH = 200;

function checkBatchSize(n: number) {
  if (n > MAX_BATCH) {
    throw new ConnectorError(
      "validation",
      "EXCEEDED_ID_LIMIT",
      `A batch holds at most ${MAX_BATCH} records (got ${n}); split it`,
    );
  }
}

function stripAttributes<T extends Record<string, unknown>>(record: T): T {
  const { attributes: _a, ...rest } = record as T & { attributes?: unknown };
  return rest as T;
}

/**
 * A Salesforce org over its REST API, through jsforce: OAuth2 password-grant login, one
 * re-authentication on an expired session, explicit API version, no hidden retries (execution
 * retries by error class), typed errors, API usage and timing for every call.
 */
export class SalesforceConnector {
  private conn: Connection | null = null;
  private loggingIn: Promise<void> | null = null;
  private readonly timeoutMs: number;
  /** API usage as of the last answer (Sforce-Limit-Info). */
  lastUsage: TApiUsage | null = null;
  /** The integration user this connector logged in as (its writes are Tollgate's own). */
  private loginUserId: string | null = null;

  constructor(
    private readonly config: TSalesforceConfig,
    private readonly hooks: THooks = {},
  ) {
    this.timeoutMs = config.timeoutMs ?? 15_000;
  }

  /** The longest any one call may take before it is a `timeout`. */
  get callTimeoutMs() {
    return this.timeoutMs;
  }

  get apiBase() {
    return `/services/data/v${this.config.apiVersion}`;
  }

  /** Log in (again). Throws a ConnectorError (`session_expired` for refused credentials). */
  async login(
    opts: TOpOptions = {},
  ): Promise<{ userId: string; orgId: string; instanceUrl: string }> {
    const started = Date.now();
    const conn = new Connection({
      oauth2: {
        loginUrl: this.config.loginUrl,
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        redirectUri: "http://localhost/callback",
      },
      version: this.config.apiVersion,
    });
    if (this.hooks.transport) {
      conn._transport = this.hooks.transport;
      conn.oauth2._transport = this.hooks.transport;
    }
    try {
      const info = await conn.authorize({
        grant_type: "password",
        username: this.config.username,
        password: this.config.password,
      });
      this.conn = conn;
      this.loginUserId = info.id;
      this.record(opts, {
        op: "login",
        method: "POST",
        path: "/services/oauth2/token",
        ms: Date.now() - started,
        ok: true,
        status: 200,
      });
      return { userId: info.id, orgId: info.organizationId, instanceUrl: conn.instanceUrl };
    } catch (err) {
      const e = classifyError(err);
      // a refused login is never "try again later": report it as the session problem it is
      const typed =
        e.errorClass === "validation"
          ? new ConnectorError(
              "session_expired",
              e.code,
              `Salesforce refused the login: ${e.message}`,
            )
          : e;
      this.record(opts, {
        op: "login",
        method: "POST",
        path: "/services/oauth2/token",
        ms: Date.now() - started,
        ok: false,
        errorClass: typed.errorClass,
        code: typed.code,
      });
      throw typed;
    }
  }

  private async connection(opts: TOpOptions): Promise<Connection> {
    if (this.conn) return this.conn;
    this.loggingIn ??= this.login(opts).then(
      () => void (this.loggingIn = null),
      (e) => {
        this.loggingIn = null;
        throw e;
      },
    );
    await this.loggingIn;
    return this.conn!;
  }

  private record(opts: TOpOptions, call: Omit<TConnectorCall, "at">) {
    const full = { ...call, at: new Date().toISOString() };
    opts.log?.push(full);
    this.hooks.onCall?.(full);
  }

  /**
   * One REST call. An expired session is re-authenticated once and the call retried once;
   * nothing else is retried here.
   */
  private async call<T>(
    op: string,
    method: string,
    path: string,
    opts: TOpOptions,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection(opts);
      const started = Date.now();
      const timeout = Math.min(this.timeoutMs, (opts.deadlineAt ?? Infinity) - started);
      if (timeout < 1) {
        // too late to start this request inside its deadline: not sent at all
        throw new ConnectorError("timeout", "DEADLINE", "No time was left to send this call");
      }
      try {
        const result = (await conn.request(
          {
            method: method as "GET",
            url: path,
            headers: { "content-type": "application/json", ...headers },
            body: body === undefined ? undefined : JSON.stringify(body),
          },
          {
            retry: { maxRetries: 0 },
            timeout,
            noContentResponse: null,
          } as never,
        )) as T;
        this.record(opts, { op, method, path, ms: Date.now() - started, ok: true });
        this.reportUsage(conn);
        return result;
      } catch (err) {
        const e = classifyError(err);
        this.record(opts, {
          op,
          method,
          path,
          ms: Date.now() - started,
          ok: false,
          errorClass: e.errorClass,
          code: e.code,
        });
        this.reportUsage(conn);
        if (e.errorClass === "session_expired" && attempt === 0) {
          this.conn = null;
          continue;
        }
        throw e;
      }
    }
  }

  private reportUsage(conn: Connection) {
    const usage = conn.limitInfo?.apiUsage;
    if (!usage) return;
    this.lastUsage = { used: usage.used, limit: usage.limit };
    this.hooks.onUsage?.(this.lastUsage);
  }

  /** The Salesforce user id Tollgate writes as (logs in first if it has not yet). */
  async integrationUserId(opts: TOpOptions = {}): Promise<string> {
    await this.connection(opts);
    return this.loginUserId!;
  }

  /** A record with the fields asked for (all when none) and its LastModifiedDate. */
  async read(object: string, id: string, fields: string[] = [], opts: TOpOptions = {}) {
    const list = fields.length ? [...new Set([...fields, "Id", "LastModifiedDate"])] : [];
    const qs = list.length ? `?fields=${encodeURIComponent(list.join(","))}` : "";
    const record = await this.call<TSfRecord>(
      "read",
      "GET",
      `${this.apiBase}/sobjects/${object}/${encodeURIComponent(id)}${qs}`,
      opts,
    );
    return {
      record: stripAttributes(record),
      lastModified: new Date(String(record.LastModifiedDate)),
    };
  }

  async describe(object: string, opts: TOpOptions = {}) {
    return this.call<{
      name: string;
      fields: {
        name: string;
        type: string;
        label: string;
        updateable: boolean;
        createable: boolean;
        nillable: boolean;
        picklistValues: { value: string; active: boolean }[];
      }[];
    }>("describe", "GET", `${this.apiBase}/sobjects/${object}/describe`, opts);
  }

  async create(
    object: string,
    values: Record<string, unknown>,
    opts: TOpOptions = {},
  ): Promise<{ id: string }> {
    const res = await this.call<{ id: string; success: boolean }>(
      "create",
      "POST",
      `${this.apiBase}/sobjects/${object}`,
      opts,
      values,
    );
    return { id: res.id };
  }

  /**
   * Update with optimistic concurrency: with `ifUnmodifiedSince`, Salesforce answers 412 when
   * the record changed after that instant, and this throws a `conflict` — never an overwrite.
   */
  async update(
    object: string,
    id: string,
    values: Record<string, unknown>,
    opts: TOpOptions & { ifUnmodifiedSince?: Date } = {},
  ) {
    const headers: Record<string, string> = opts.ifUnmodifiedSince
      ? { "If-Unmodified-Since": opts.ifUnmodifiedSince.toUTCString() }
      : {};
    await this.call(
      "update",
      "PATCH",
      `${this.apiBase}/sobjects/${object}/${encodeURIComponent(id)}`,
      opts,
      values,
      headers,
    );
  }

  async delete(object: string, id: string, opts: TOpOptions & { ifUnmodifiedSince?: Date } = {}) {
    const headers: Record<string, string> = opts.ifUnmodifiedSince
      ? { "If-Unmodified-Since": opts.ifUnmodifiedSince.toUTCString() }
      : {};
    await this.call(
      "delete",
      "DELETE",
      `${this.apiBase}/sobjects/${object}/${encodeURIComponent(id)}`,
      opts,
      undefined,
      headers,
    );
  }

  /**
   * Update up to 200 records in one `/composite/sobjects` call. With allOrNone (the default)
   * one bad record means nothing is written; results say which record failed and why.
   */
  async updateBatch(
    object: string,
    records: ({ id: string } & Record<string, unknown>)[],
    opts: TOpOptions & { allOrNone?: boolean } = {},
  ): Promise<TBatchResult[]> {
    if (records.length === 0) return [];
    checkBatchSize(records.length);
    const body = {
      allOrNone: opts.allOrNone ?? true,
      records: records.map(({ id, ...values }) => ({
        attributes: { type: object },
        id,
        ...values,
      })),
    };
    return this.call<TBatchResult[]>(
      "update_batch",
      "PATCH",
      `${this.apiBase}/composite/sobjects`,
      opts,
      body,
    );
  }

  /**
   * Up to 200 records of one object by id in one `/composite/sobjects/{object}` call, each with
   * the fields asked for and its LastModifiedDate; in the order asked, null for a record that is
   * gone.
   */
  async retrieveBatch(
    object: string,
    ids: string[],
    fields: string[],
    opts: TOpOptions = {},
  ): Promise<({ record: Record<string, unknown>; lastModified: Date } | null)[]> {
    if (ids.length === 0) return [];
    checkBatchSize(ids.length);
    const list = [...new Set([...fields, "Id", "LastModifiedDate"])];
    const records = await this.call<(TSfRecord | null)[]>(
      "retrieve_batch",
      "POST",
      `${this.apiBase}/composite/sobjects/${object}`,
      opts,
      { ids, fields: list },
    );
    return records.map((r) =>
      r ? { record: stripAttributes(r), lastModified: new Date(String(r.LastModifiedDate)) } : null,
    );
  }

  /** SOQL with paging through nextRecordsUrl, up to `maxRecords`. */
  async query<T extends Record<string, unknown> = TSfRecord>(
    soql: string,
    opts: TOpOptions & { maxRecords?: number; all?: boolean; batchSize?: number } = {},
  ): Promise<{ totalSize: number; records: T[] }> {
    const max = opts.maxRecords ?? 10_000;
    let page = await this.call<{
      totalSize: number;
      done: boolean;
      nextRecordsUrl?: string;
      records: T[];
    }>(
      "query",
      "GET",
      `${this.apiBase}/${opts.all ? "queryAll" : "query"}?q=${encodeURIComponent(soql)}`,
      opts,
      undefined,
      opts.batchSize ? { "Sforce-Query-Options": `batchSize=${opts.batchSize}` } : {},
    );
    const records = page.records.map(stripAttributes);
    while (!page.done && page.nextRecordsUrl && records.length < max) {
      page = await this.call("query_more", "GET", page.nextRecordsUrl, opts);
      records.push(...page.records.map(stripAttributes));
    }
    return { totalSize: page.totalSize, records: records.slice(0, max) };
  }
}
