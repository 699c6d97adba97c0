/**
 * The one permission table: `resource:action` → the roles that may do it. Every page and
 * every internal API checks it on the server (withSession / requirePage).
 */
export const ROLES = [
  "admin",
  "ops_owner",
  "system_owner",
  "risk_owner",
  "approver",
  "viewer",
] as const;
export type TRole = (typeof ROLES)[number];

const ALL: readonly TRole[] = ROLES;

export const PERMISSIONS = {
  "agents:read": ALL,
  "agents:write": ["admin", "ops_owner"],
  // the grant editor: add, edit (revoke + new grant) and revoke grants, make permission sets,
  // attach and detach them, end an elevation early (a reason for anything that widens)
  "grants:write": ["admin", "ops_owner"],
  // give an agent more scope for a few hours (time-bounded elevation)
  "agents:elevate": ["admin"],
  // record a periodic permission review: keep a permission set, or revoke its grants
  "permission_reviews:write": ["admin", "risk_owner"],
  "agent_keys:write": ["admin"],
  // move an agent's phase: a promotion only when its gate is met, a demotion always (lib/gates)
  "agents:promote": ["admin", "ops_owner"],
  // set an agent's promotion criteria (the gate a promotion must pass)
  "promotion_criteria:write": ["admin", "risk_owner"],
  // the incident log: everyone reads it; triage (severity) and closing
  "incidents:read": ALL,
  "incidents:write": ["admin", "ops_owner", "risk_owner"],
  "policy:read": ALL,
  // the matrix editor: draft and edit a version; publishing or rolling back is a second person's
  // (never an author of the draft, or of the version rolled back to: lib/matrix/versions.ts)
  "policy:edit": ["admin", "ops_owner"],
  "policy:publish": ["admin", "risk_owner"],
  "workflows:read": ALL,
  "workflows:write": ["admin", "ops_owner"],
  "field_ownership:read": ALL,
  // the field-ownership editor: ops owners configure it too (issue 13)
  "field_ownership:write": ["admin", "ops_owner", "system_owner", "risk_owner"],
  "inbox:read": ["admin", "approver", "ops_owner"],
  "inbox:decide": ["approver", "admin"],
  // every request in any status, its history and exports (the Requests page, record timelines)
  "requests:read": ALL,
  // ask for a succeeded request to be undone (a revert request, approved like any other)
  "requests:revert": ["admin", "ops_owner"],
  // start or resume a bulk backout another person planned (planning is requests:revert)
  "backouts:start": ["admin", "ops_owner", "risk_owner"],
  // run a reconciliation with Salesforce now (the report itself is requests:read)
  "reconciliation:run": ["admin", "ops_owner"],
  "audit:read": ALL,
  // run a verification from the console; see the banner when a lane is broken
  "audit:verify": ["admin", "ops_owner"],
  "metrics:read": ALL,
  // the anomalies list and banner; acknowledging one; a rule's thresholds and automatic trip
  "anomalies:read": ALL,
  "anomalies:acknowledge": ["admin", "ops_owner", "risk_owner"],
  "anomaly_rules:write": ["admin", "ops_owner", "risk_owner"],
  // preview the weekly digest, or send it now
  "digest:send": ["admin"],
  "kill_switches:read": ALL,
  "kill_switches:write": ["admin"],
  "dead_letters:read": ["admin", "ops_owner", "system_owner"],
  "dead_letters:write": ["admin", "ops_owner"],
  "environments:read": ["admin", "ops_owner", "system_owner"],
  "environments:write": ["admin"],
  "users:read": ["admin"],
  "users:write": ["admin"],
  // approver groups: members, on-call rotation, SLA, escalation webhook
  "groups:read": ["admin", "ops_owner"],
  "groups:write": ["admin"],
  // how execution retries each connector error class
  "retry_policies:read": ["admin", "ops_owner", "system_owner"],
  "retry_policies:write": ["admin"],
} as const satisfies Record<string, readonly TRole[]>;

export type TPermission = keyof typeof PERMISSIONS;

export function can(roles: readonly string[], permission: TPermission): boolean {
  const allowed = PERMISSIONS[permission] as readonly string[];
  return roles.some((r) => allowed.includes(r));
}

export const ROLE_LABELS: Record<TRole, string> = {
  admin: "Admin",
  ops_owner: "Ops owner",
  system_owner: "System owner",
  risk_owner: "Risk owner",
  approver: "Approver",
  viewer: "Leadership (viewer)",
};
