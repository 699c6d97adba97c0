/**
 * The policy engine's input and output: plain data, no Prisma types, so the engine stays a
 * pure function the services feed from the database and the tests feed from fixtures.
 */

type TAgentStatus = "active" | "suspended" | "retired";
export type TAgentPhase = "observe" | "propose" | "execute";
export type TApprovalMode = "auto" | "human_in_the_loop" | "human_only";
export type TOperation = "create" | "update" | "delete" | "convert";
export type TPolicyOutcome = "denied" | "observed" | "auto_approved" | "pending_approval" | "draft";

type TPolicyAgent = {
  id: string;
  slug: string;
  status: TAgentStatus;
  phase: TAgentPhase;
  environmentId: string;
};

type TPolicyRequest = {
  actionType: string;
  object: string;
  operation: TOperation;
  recordId: string | null;
  changes: Record<string, unknown>;
  reason?: { code?: string; text?: string } | null;
  evidence?: { type: string; ref: string }[];
};

export type TPolicyActionType = {
  key: string;
  object: string;
  operation: string;
  fields: readonly string[];
};

export type TPolicyGrant = {
  id: string;
  /** Shown in messages (`Grant "Pipeline hygiene" …`): the permission set name; falls back to id. */
  label?: string;
  object: string;
  operations: readonly string[];
  writableFields: readonly string[];
  recordCondition: string | null;
  validFrom: Date;
  /** Exclusive: the grant no longer applies at this instant. */
  validUntil: Date | null;
  /** Revoked from this instant on (a future instant is a scheduled revocation). */
  revokedAt?: Date | null;
};

export type TMatrixCondition = {
  name: string;
  when: string;
  mode?: string;
  approverRole?: string | null;
  requiredApprovals?: number;
};

export type TFieldConstraint = {
  field: string;
  allowedValues?: readonly string[];
  min?: number;
  max?: number;
  /** 0.2 = the new value may differ from the current one by at most ±20%. */
  maxRelativeChange?: number;
};

export type TPolicyRule = {
  actionType: string;
  mode: TApprovalMode;
  approverRole: string | null;
  requiredApprovals: number;
  requireReason: boolean;
  requireEvidence: boolean;
  reversible: boolean;
  slaMinutes: number | null;
  conditions: readonly TMatrixCondition[];
  constraints: readonly TFieldConstraint[];
};

/** days: 0 = Sunday … 6 = Saturday; start/end "HH:MM" wall-clock; end ≤ start spans midnight. */
export type TChangeWindow = {
  days: readonly number[];
  start: string;
  end: string;
  /** "UTC" (default) or an IANA zone such as "Europe/Paris". */
  tz?: string;
};

type TPolicyWorkflow = {
  key: string;
  version: number;
  /** draft | published | retired; only published versions accept action requests. */
  status: string;
  actionTypes: readonly string[];
  /** Empty = changes allowed at any time. */
  changeWindows: readonly TChangeWindow[];
};

export type TFieldOwnershipRow = {
  object: string;
  field: string;
  systemOfRecord: string;
  /** Agent slugs, "humans", or integration names such as "billing-sync". */
  allowedWriters: readonly string[];
};

type TKillSwitchScope = "global" | "environment" | "agent" | "workflow";

export type TKillSwitchState = {
  scope: TKillSwitchScope;
  engaged: boolean;
  reason?: string | null;
  environmentId?: string | null;
  agentId?: string | null;
  workflowKey?: string | null;
};

/**
 * One fixed-window counter. `used` counts the calls already made in the current window
 * BEFORE this request (this request is not included): the request is refused when
 * used >= limit. `resetAt` is when the window ends; without it the window is taken to be
 * aligned to the clock (the next whole minute / hour, UTC).
 */
type TRateCounter = { used: number; limit: number; resetAt?: Date | null };

type TRateLimitState = {
  callsPerMinute: TRateCounter;
  writesPerHour: TRateCounter;
};

export type TPolicyInput = {
  agent: TPolicyAgent;
  request: TPolicyRequest;
  /** The record's current values from the system of record; null for create. */
  current: Record<string, unknown> | null;
  /** null = the action type is unknown. */
  actionType: TPolicyActionType | null;
  /** The grants of every permission set assigned to the agent in its environment. */
  grants: readonly TPolicyGrant[];
  /** The action type's rule in the active matrix version; null = no rule. */
  rule: TPolicyRule | null;
  /** The workflow version the request runs under; null = not bound to a workflow (no checks). */
  workflow: TPolicyWorkflow | null;
  fieldOwnership: readonly TFieldOwnershipRow[];
  killSwitches: readonly TKillSwitchState[];
  /** Omitted = rate limits are not checked here. */
  rateLimit?: TRateLimitState;
  /** Who approves when a human mode has no approver role (an auto rule gated by the propose phase). */
  fallbackApproverRole?: string | null;
  now: Date;
};

export type TDenialCode =
  | "agent_inactive"
  | "kill_switch_engaged"
  | "rate_limited"
  | "invalid_action"
  | "workflow_mismatch"
  | "outside_change_window"
  | "scope_denied"
  | "field_owned_elsewhere"
  | "no_policy_rule"
  | "reason_required"
  | "evidence_required"
  | "constraint_violated";

export type TPolicyDenial = {
  code: TDenialCode;
  /** HTTP status for the problem+json response (DENIAL_STATUS). */
  status: number;
  detail: string;
  /** For rate_limited and outside_change_window: when to try again. */
  retryAfterSeconds?: number;
};

export type TPolicyDecision = {
  outcome: TPolicyOutcome;
  /**
   * The effective mode: null when denied. For `observed` it is the mode the request would
   * get in the execute phase (for metrics and the console), as are approverRole and
   * requiredApprovals; nothing is ever executed or sent for approval.
   */
  mode: TApprovalMode | null;
  approverRole: string | null;
  requiredApprovals: number;
  /** "<actionType>/default", "<actionType>/<condition>[+<condition>]", or a deny rule such as "scope/field". */
  rule: string;
  /** Human-readable, specific; the first one of a denial is its detail. */
  reasons: string[];
  denial?: TPolicyDenial;
  /** Approval SLA, only for pending_approval and draft. */
  slaMinutes: number | null;
};
