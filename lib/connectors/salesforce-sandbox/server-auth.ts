// OAuth 2.0 username-password flow and bearer sessions, shaped like login.salesforce.com:
// token errors are `{ error, error_description }` objects, data-API auth failures are the
// usual error array with INVALID_SESSION_ID.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SANDBOX_ORG_ID } from "./ids";
import type { ApiResponse } from "./server-http";
import type { SandboxStore } from "./store";

const DEFAULT_SANDBOX_USERNAME = "integration@tollgate.sandbox";
const DEFAULT_SANDBOX_PASSWORD = "sandbox-password";
const DEFAULT_SANDBOX_CLIENT_ID = "tollgate-sandbox-client";
const DEFAULT_SANDBOX_CLIENT_SECRET = "tollgate-sandbox-secret";

export interface SandboxCredentials {
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
}

export const DEFAULT_SANDBOX_CREDENTIALS: SandboxCredentials = {
  username: DEFAULT_SANDBOX_USERNAME,
  password: DEFAULT_SANDBOX_PASSWORD,
  clientId: DEFAULT_SANDBOX_CLIENT_ID,
  clientSecret: DEFAULT_SANDBOX_CLIENT_SECRET,
};

export interface Session {
  token: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const INVALID_SESSION: ApiResponse = {
  status: 401,
  body: [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }],
  headers: { "WWW-Authenticate": 'Token realm="Salesforce"' },
};

export class SessionRegistry {
  private sessions = new Map<string, Session>();

  constructor(
    private readonly credentials: SandboxCredentials,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get activeCount(): number {
    const now = this.now();
    return [...this.sessions.values()].filter((s) => s.expiresAt > now).length;
  }

  expireAll(): void {
    this.sessions.clear();
  }

  revoke(token: string): void {
    this.sessions.delete(token);
  }

  /** The live session behind an `Authorization: Bearer …` header, if any. */
  authenticate(header: string | undefined): Session | undefined {
    const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header ?? "");
    const session = m ? this.sessions.get(m[1]) : undefined;
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(session.token);
      return undefined;
    }
    return session;
  }

  /** POST /services/oauth2/token with a form-encoded body. */
  token(form: URLSearchParams, baseUrl: string, userId: string): ApiResponse {
    const fail = (error: string, description: string): ApiResponse => ({
      status: 400,
      body: { error, error_description: description },
    });
    const grant = form.get("grant_type");
    if (grant !== "password") return fail("unsupported_grant_type", "grant type not supported");
    if (!sameSecret(form.get("client_id") ?? "", this.credentials.clientId)) {
      return fail("invalid_client_id", "client identifier invalid");
    }
    if (!sameSecret(form.get("client_secret") ?? "", this.credentials.clientSecret)) {
      return fail("invalid_client", "invalid client credentials");
    }
    const userOk =
      (form.get("username") ?? "").toLowerCase() === this.credentials.username.toLowerCase();
    if (!userOk || !sameSecret(form.get("password") ?? "", this.credentials.password)) {
      return fail("invalid_grant", "authentication failure");
    }
    const issuedAt = this.now();
    const token = `${SANDBOX_ORG_ID.slice(0, 15)}!${randomBytes(48).toString("base64url")}`;
    this.sessions.set(token, { token, userId, issuedAt, expiresAt: issuedAt + this.ttlMs });
    const id = `${baseUrl}/id/${SANDBOX_ORG_ID}/${userId}`;
    const signature = createHmac("sha256", this.credentials.clientSecret)
      .update(id + String(issuedAt))
      .digest("base64");
    return {
      status: 200,
      body: {
        access_token: token,
        instance_url: baseUrl,
        id,
        token_type: "Bearer",
        issued_at: String(issuedAt),
        signature,
      },
    };
  }
}

/** GET /id/{orgId}/{userId}: the identity service jsforce's `identity()` reads. */
export function identity(
  store: SandboxStore,
  baseUrl: string,
  orgId: string,
  userId: string,
): ApiResponse {
  const user = store.getById("User", userId);
  if (!user || orgId !== SANDBOX_ORG_ID)
    return { status: 404, body: [{ errorCode: "NOT_FOUND", message: "Bad_Id" }] };
  const version = "62.0";
  return {
    status: 200,
    body: {
      id: `${baseUrl}/id/${orgId}/${userId}`,
      asserted_user: true,
      user_id: userId,
      organization_id: orgId,
      username: user.Username,
      nick_name: user.Alias,
      display_name: user.Name,
      email: user.Email,
      first_name: user.FirstName,
      last_name: user.LastName,
      active: user.IsActive,
      user_type: "STANDARD",
      language: "en_US",
      locale: "en_US",
      utcOffset: 0,
      urls: {
        rest: `${baseUrl}/services/data/v{version}/`,
        sobjects: `${baseUrl}/services/data/v{version}/sobjects/`,
        query: `${baseUrl}/services/data/v{version}/query/`,
        profile: `${baseUrl}/${userId}`,
      },
      last_modified_date: String(user.LastModifiedDate).replace("+0000", "Z"),
      is_app_installed: true,
      api_version: version,
    },
  };
}
