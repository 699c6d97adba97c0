/**
 * The one error family and its codes. Throw an AppError anywhere below a route; the route wrapper
 * renders it as application/problem+json (RFC 9457) with the stable `code`. The HTTP status comes
 * from the code (ERROR_STATUS), never from the thrower, so a code cannot drift to another status
 * at one door; the OpenAPI document lists the agent codes from the same map.
 */

/**
 * Codes an agent can receive from /api/agent/v1, with their status: API.md's error table, the
 * wrapper's (`not_found`, `internal_error`) and an environment without a usable Salesforce
 * connection (`connection_not_configured`).
 */
export const AGENT_ERROR_STATUS = {
  invalid_body: 400,
  invalid_api_key: 401,
  agent_inactive: 403,
  scope_denied: 403,
  field_owned_elsewhere: 403,
  no_policy_rule: 403,
  workflow_mismatch: 403,
  not_found: 404,
  record_not_found: 404,
  idempotency_conflict: 409,
  connection_not_configured: 409,
  payload_too_large: 413,
  reason_required: 422,
  evidence_required: 422,
  constraint_violated: 422,
  kill_switch_engaged: 423,
  outside_change_window: 423,
  rate_limited: 429,
  internal_error: 500,
  system_unavailable: 503,
} as const;

/** Codes only the console's routes answer with (no agent route reaches them). */
const CONSOLE_ERROR_STATUS = {
  invalid_query: 400,
  secrets_required: 400,
  destination_refused: 400,
  unauthenticated: 401,
  forbidden: 403,
  cross_site_request: 403,
  separation_of_duties: 403,
  state_changed: 409,
  already_decided: 409,
  invalid_transition: 409,
  not_engaged: 409,
  // an anomaly someone else acknowledged first (lib/anomalies)
  already_acknowledged: 409,
  agent_retired: 409,
  // reverts (lib/reverts): not a succeeded update, a revert already open, conflicts unresolved
  not_revertible: 409,
  revert_open: 409,
  revert_conflict: 409,
  // a revert that deletes a record, approved as one of a selection (lib/approvals/bulk.ts)
  single_review_required: 409,
  invalid_condition: 422,
  // the matrix editor: a second open draft, a change to a published version
  draft_exists: 409,
  version_immutable: 409,
  // workflows: a second canary while one is rolling out, or a step on a version that is not one
  canary_in_progress: 409,
  not_a_canary: 409,
  // a promotion whose phase gate has a criterion unmet (lib/gates)
  criteria_unmet: 409,
  // halted or dead-lettered work its agent's phase no longer lets through (lib/execution/phase-stop.ts)
  phase_forbids: 409,
} as const satisfies Record<string, number> & {
  // a code has one status: the agent table may not be redefined here
  [K in keyof typeof AGENT_ERROR_STATUS]?: never;
};

export const ERROR_STATUS = { ...AGENT_ERROR_STATUS, ...CONSOLE_ERROR_STATUS } as const;
export type TErrorCode = keyof typeof ERROR_STATUS;
export type TAgentErrorCode = keyof typeof AGENT_ERROR_STATUS;
export const AGENT_ERROR_CODES = Object.keys(AGENT_ERROR_STATUS) as TAgentErrorCode[];

export const isErrorCode = (code: string): code is TErrorCode => Object.hasOwn(ERROR_STATUS, code);

/**
 * The one code a door answers with another status than the map's. The console's resume and
 * dead-letter actions have always answered kill_switch_engaged with 409 while the agent API
 * answers it with 423 (API.md); both are kept so no client sees a change, and only these pairs
 * compile.
 */
type TLegacyStatuses = { kill_switch_engaged: 409 };
type TLegacyStatus<C extends TErrorCode> = C extends keyof TLegacyStatuses
  ? TLegacyStatuses[C]
  : never;

export type TErrorDetails<C extends TErrorCode = TErrorCode> = {
  errors?: { path: string; message: string }[];
  headers?: Record<string, string>;
  /** Only for TLegacyStatuses' pairs. */
  status?: TLegacyStatus<C>;
} & Record<string, unknown>;

export class AppError<C extends TErrorCode = TErrorCode> extends Error {
  readonly status: number;

  constructor(
    readonly code: C,
    message: string,
    readonly details?: TErrorDetails<C>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = details?.status ?? ERROR_STATUS[code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found`);
export const unauthenticated = () => new AppError("unauthenticated", "Sign in to continue");
export const invalid = (message: string, errors?: { path: string; message: string }[]) =>
  new AppError("invalid_body", message, { errors });
