/** Every connector failure is one of these classes; execution retries by class. */
export type TConnectorErrorClass =
  | "timeout"
  | "rate_limited"
  | "session_expired"
  | "validation"
  | "permission"
  | "conflict"
  | "not_found"
  | "unavailable";

export class ConnectorError extends Error {
  constructor(
    readonly errorClass: TConnectorErrorClass,
    readonly code: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

const PERMISSION =
  /^(INSUFFICIENT_ACCESS|INSUFFICIENT_ACCESS_OR_READONLY|INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY|CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY|API_DISABLED_FOR_ORG|FUNCTIONALITY_NOT_ENABLED)$/;
const NOT_FOUND = /^(NOT_FOUND|ENTITY_IS_DELETED|ERROR_HTTP_404)$/;
// UNABLE_TO_LOCK_ROW: another transaction in the org held the row (or its parent) — try again
const UNAVAILABLE =
  /^(ERROR_HTTP_5\d\d|SERVER_UNAVAILABLE|UNKNOWN_EXCEPTION|SERVICE_UNAVAILABLE|UNABLE_TO_LOCK_ROW)$/;
const NETWORK =
  /^(ECONNRESET|ECONNREFUSED|ENOTFOUND|ENETDOWN|ENETUNREACH|EHOSTDOWN|EPIPE|UND_ERR_SOCKET)$/;

type TRawError = {
  name?: string;
  message?: string;
  errorCode?: string;
  code?: string;
  type?: string;
  data?: unknown;
  fields?: string[];
};

/** Turn whatever jsforce (or the network) threw into a typed ConnectorError. */
export function classifyError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as TRawError;
  const message = e.message ?? String(err);
  const code = e.errorCode ?? e.code ?? "UNKNOWN";
  const data = e.data as { fields?: string[]; error?: string } | undefined;
  const fields = e.fields ?? data?.fields ?? [];

  if (
    e.name === "AbortError" ||
    /aborted due to timeout|ETIMEDOUT|timed out/i.test(message) ||
    code === "ETIMEDOUT"
  ) {
    return new ConnectorError("timeout", "TIMEOUT", "Salesforce did not answer in time");
  }
  if (code === "REQUEST_LIMIT_EXCEEDED" || code === "ERROR_HTTP_429" || code === "ERROR_HTTP_420") {
    return new ConnectorError("rate_limited", code, message);
  }
  if (
    code === "INVALID_SESSION_ID" ||
    code === "ERROR_HTTP_401" ||
    /Unable to refresh session/.test(message)
  ) {
    return new ConnectorError("session_expired", "INVALID_SESSION_ID", message);
  }
  if (
    code === "invalid_grant" ||
    code === "invalid_client_id" ||
    code === "invalid_client" ||
    data?.error === "invalid_grant"
  ) {
    return new ConnectorError("session_expired", code, `Salesforce refused the login: ${message}`);
  }
  if (code === "PRECONDITION_FAILED" || code === "ERROR_HTTP_412")
    return new ConnectorError("conflict", code, message);
  if (NOT_FOUND.test(code)) return new ConnectorError("not_found", code, message);
  if (PERMISSION.test(code)) return new ConnectorError("permission", code, message, fields);
  if (
    UNAVAILABLE.test(code) ||
    NETWORK.test(code) ||
    /ECONNREFUSED|ECONNRESET|socket hang up/.test(message)
  ) {
    return new ConnectorError("unavailable", code, message);
  }
  return new ConnectorError("validation", code, message, fields);
}

/**
 * The words about a failure that leave the server (agents' GET, MCP and callbacks; the inbox).
 * Salesforce's own answers (validation, permission, not found, conflict, limits) are kept: they
 * tell the agent what to fix. A failure without an answer from Salesforce — a refused or reset
 * connection, a timeout, an unexpected error — carries the socket's words (hosts, ports), so
 * it reads as one fixed sentence instead.
 */
const WITHOUT_AN_ANSWER: Record<string, string> = {
  timeout: "Salesforce did not answer in time",
  unavailable: "Salesforce could not be reached or is unavailable",
  session_expired: "Salesforce refused the integration user's session",
  internal: "Tollgate hit an unexpected error running this request",
};

export function publicErrorMessage(errorClass: string | null, message: string | null) {
  if (errorClass && errorClass in WITHOUT_AN_ANSWER) return WITHOUT_AN_ANSWER[errorClass];
  return message;
}
