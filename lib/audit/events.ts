import { z } from "zod";

/**
 * Every audit action Tollgate writes, declared once: its lane, the kind of subject it is about
 * and the zod schema of its payload. `writeAuditEvent` accepts only these actions, types the
 * payload from the action and checks it here before anything is written. The strings and
 * shapes are the ones already in the lanes (the console, verification and the hash chain read
 * them): a change here is a change to stored history, so add, never rename.
 *
 * Where two writers give one action different shapes (the demo seed's history is older than
 * the live code), the schema is the union of what is written.
 */

export type TAuditLane = "config" | "data" | "execution";
export const AUDIT_LANES = ["config", "data", "execution"] as const satisfies readonly TAuditLane[];

/**
 * Where a console action came from: the client address (only when TOLLGATE_TRUST_PROXY makes it
 * known, as for sign-in throttling) and the user agent, cut to USER_AGENT_MAX. Stored in the
 * hashed payload under `context`, so editing it breaks the chain.
 */
export const USER_AGENT_MAX = 256;
const ZRequestContext = z.strictObject({
  ip: z.string().max(45).nullable(),
  userAgent: z.string().max(USER_AGENT_MAX).nullable(),
});
export type TRequestContext = z.infer<typeof ZRequestContext>;
/** The payload key the request context is stored under; no action's own payload may use it. */
export const CONTEXT_KEY = "context";

const def = <S extends z.ZodType>(lane: TAuditLane, subjectType: string, payload: S) => ({
  lane,
  subjectType,
  payload,
});

const str = z.string();
/** A count a later version added to an event: absent on the events written before it. */
const count = z.number().int().optional();
const num = z.number();
const values = z.record(z.string(), z.unknown());

/** A move in the lifecycle table (transition-request.ts): from, to, the worker, and extras. */
const transition = <T extends z.ZodRawShape>(extra: T = {} as T) =>
  z.strictObject({ from: str, to: str, workerId: str.optional(), ...extra });
const request = <S extends z.ZodType>(payload: S) => def("execution", "action_request", payload);

/** A matrix setting's before → after, as the console's diff shows it (lib/matrix/diff.ts). */
const ZSettingChange = z.strictObject({ setting: str, before: str, after: str });
const ZMatrixChange = z.strictObject({
  actionType: str,
  change: z.enum(["added", "removed", "changed"]),
  settings: z.array(ZSettingChange),
});

/** A field-ownership row's settings, as the editor stores them (lib/field-ownership). */
const ZOwnershipSettings = z.strictObject({
  systemOfRecord: str,
  allowedWriters: z.array(str),
  conflictRule: str,
  yieldHours: num.nullable(),
  freshnessSlaMinutes: num.nullable(),
  ownerUserId: str.nullable(),
});
const ZOwnershipChange = z.strictObject({
  object: str,
  field: str,
  before: ZOwnershipSettings.nullable(),
  after: ZOwnershipSettings.nullable(),
  widened: z.array(str),
});

/** The demo seed's one event per executed request (seed-history.ts). */
const ZSeededOutcome = z.strictObject({
  attempts: num,
  errorClass: str.nullable(),
  code: str.nullable(),
});

/** What a request was created with: at ingest, or by the demo seed (fewer fields). */
const ZCreated = z.union([
  z.strictObject({
    status: str,
    rule: str,
    mode: str.nullable(),
    approverRole: str.nullable(),
    changes: values,
    before: values.nullable(),
    requestId: str,
  }),
  z.strictObject({ actionType: str, status: str, changes: values }),
]);

const ZRefusedAtIngest = z.strictObject({
  code: str,
  status: num,
  detail: str,
  actionType: str,
  changes: values,
  requestId: str,
});

/** Before and after per field of a write, read back from Salesforce (execute.ts). */
const ZRecordWritten = z.strictObject({
  attempt: num,
  alreadyApplied: z.boolean(),
  fields: z.array(z.strictObject({ field: str, before: z.unknown(), after: z.unknown() })),
});

const ZDeadLetterResolved = transition({
  deadLetter: str,
  action: z.enum(["retry", "reroute", "discard"]),
});

export const AUDIT_EVENTS = {
  // ── action requests: ingest (persist-action-request.ts) and the lifecycle table ──
  "action_request.created": request(ZCreated),
  // at ingest; the table's received → denied edge (not taken today) would write a transition
  "action_request.refused": request(z.union([ZRefusedAtIngest, transition()])),
  // the table's other received → … edges: ingest inserts the final status instead today
  "action_request.observed": request(transition()),
  "action_request.queued_for_approval": request(transition()),
  "action_request.drafted": request(transition()),
  "action_request.auto_approved": request(transition()),
  "action_request.approval_recorded": request(
    z.strictObject({
      approvals: num,
      required: num,
      group: str.nullable(),
      kind: z.enum(["approval", "draft"]),
    }),
  ),
  "action_request.approved": request(transition({ approvals: num, required: num })),
  "action_request.released_by_person": request(transition({ approvals: num, required: num })),
  "action_request.denied": request(transition()),
  "action_request.discarded": request(transition()),
  // workflowVersion: a canary rolled back (lib/workflows/versions.ts) took it out of the queue
  "action_request.expired": request(transition({ workflowVersion: str.optional() })),
  // by the worker's last check (execute.ts), or a tripped kill switch (kill-switches.ts)
  "action_request.halted": request(
    transition({ killSwitch: str.optional(), workflowVersion: str.optional() }),
  ),
  "action_request.resumed": request(transition()),
  // work its agent's new phase or status no longer lets through, back to a person (phase-stop.ts)
  "action_request.returned_to_approval": request(transition()),
  // the original, when its revert succeeded (lib/reverts/settle-revert.ts): the revert and the
  // fields it restored
  "action_request.reverted": request(
    transition({ revertRequestId: str.optional(), fields: z.array(str).optional() }),
  ),
  // a person asked for a succeeded write to be undone: the new revert request's first event
  "action_request.revert_requested": request(
    z.strictObject({
      reverts: str,
      fields: z.array(
        z.strictObject({
          field: str,
          from: z.unknown(),
          to: z.unknown(),
          resolution: z.enum(["restore", "overwrite"]),
        }),
      ),
      skipped: z.array(str),
      overwriteReason: str.nullable(),
      approverRole: str.nullable(),
      requiredApprovals: num,
      // a revert a bulk backout queued (approved with the backout by the person who started it)
      backoutId: str.optional(),
      approvedById: str.optional(),
      // a create's revert: the record it deletes
      deletes: str.optional(),
    }),
  ),
  // a revert found a field changed after its plan: it failed, nothing was overwritten
  "action_request.revert_conflicted": request(
    z.strictObject({ reverts: str, attempt: num, currentValues: values.nullable(), workerId: str }),
  ),
  // from/to are approver groups here, not statuses
  // onCall: the on-call group's member on call at the escalation (its rotation), by id and name
  "action_request.escalated": request(
    z.strictObject({
      from: str.nullable(),
      to: str.nullable(),
      overdueMinutes: num,
      onCall: z.strictObject({ userId: str, name: str }).nullable().optional(),
    }),
  ),
  // the demo seed's decisions (seed-history.ts); the live code writes action_request.*
  "approval.approved": request(z.strictObject({ group: str.nullable() })),
  "approval.denied": request(z.strictObject({ group: str.nullable() })),

  // ── execution (lib/execution) ──
  "execution.started": request(transition({ attempt: num })),
  "execution.postponed": request(z.strictObject({ nextAttemptAt: str, workerId: str })),
  "execution.claim_failed": request(
    z.strictObject({ failures: num, nextAttemptAt: str, workerId: str }),
  ),
  "execution.succeeded": request(
    z.union([transition({ attempt: num, alreadyApplied: z.boolean() }), ZSeededOutcome]),
  ),
  "execution.failed": request(z.union([transition(), ZSeededOutcome])),
  // from a failed try (execute.ts: with code and next try) or a dead worker (sweep.ts)
  "execution.retry_scheduled": request(
    z.union([
      transition({
        attempt: num,
        errorClass: str,
        code: str.optional(),
        nextAttemptAt: str.optional(),
      }),
      ZSeededOutcome,
    ]),
  ),
  "execution.dead_lettered": request(
    z.union([transition({ attempt: num, errorClass: str, code: str, why: str }), ZSeededOutcome]),
  ),
  "execution.conflict_returned_to_approval": request(
    transition({
      currentValues: values.nullable(),
      previousApprovals: z.array(
        z.strictObject({ approverId: str, decision: str, createdAt: z.date() }),
      ),
    }),
  ),
  "dead_letter.retried": request(ZDeadLetterResolved),
  "dead_letter.rerouted": request(ZDeadLetterResolved),
  "dead_letter.discarded": request(ZDeadLetterResolved),
  // one per Salesforce call of a try (TConnectorCall, lib/connectors/salesforce)
  "connector.call": request(
    z.strictObject({
      op: str,
      method: str,
      path: str,
      ms: num,
      ok: z.boolean(),
      status: num.optional(),
      errorClass: str.optional(),
      code: str.optional(),
      at: str,
      attempt: num,
      workerId: str,
      // recorded by a try that had lost its lease: its outcome is not recorded
      late: z.literal(true).optional(),
    }),
  ),

  // ── data lane: what changed in Salesforce ──
  "record.created": def("data", "action_request", ZRecordWritten),
  "record.updated": def("data", "action_request", ZRecordWritten),
  // a revert of a create deleted the record it made (lib/reverts): no fields, the record id
  "record.deleted": def("data", "action_request", ZRecordWritten),
  // the demo seed's field-level history (seed-history.ts): old/new values in their own columns
  "field.changed": def("data", "action_request", z.strictObject({})),
  "field.reverted": def("data", "action_request", z.strictObject({})),

  // ── reconciliation (lib/reconcile): a run's window and figures ──
  "reconciliation.completed": def(
    "execution",
    "reconciliation",
    z.strictObject({
      windowStart: str,
      windowEnd: str,
      trigger: z.enum(["schedule", "person"]),
      checked: num,
      matched: num,
      drifted: num,
      missing: num,
      unreadable: num,
    }),
  ),

  // ── bulk backouts (lib/backouts): the plan's selection and figures, then each step ──
  "backout.planned": def(
    "execution",
    "backout",
    z.strictObject({
      agentId: str.nullable(),
      workflowVersionId: str.nullable(),
      actionTypeId: str.nullable(),
      windowStart: str,
      windowEnd: str,
      requests: num,
      records: num,
      restorable: num,
      conflicts: num,
      alreadyRestored: num,
      alreadyThere: num,
      notRevertible: num,
    }),
  ),
  "backout.started": def("execution", "backout", z.strictObject({ restorable: num })),
  "backout.paused": def("execution", "backout", z.strictObject({ halted: num })),
  "backout.resumed": def("execution", "backout", z.strictObject({ resumed: num })),
  // items left out when queued: their write was reverted, or a revert of it opened, after the plan
  "backout.items_changed": def(
    "execution",
    "backout",
    z.strictObject({ items: num, requestIds: z.array(str) }),
  ),
  "backout.cancelled": def("execution", "backout", z.strictObject({ discarded: num })),
  "backout.completed": def(
    "execution",
    "backout",
    z.strictObject({ restored: num, conflicts: num, failed: num }),
  ),

  // ── agents and their keys ──
  "agent.created": def("config", "agent", z.strictObject({ slug: str, phase: str, owner: str })),
  // the console's lifecycle (agent-lifecycle.ts): each field's before and after; widened when a
  // limit went up (a reason was required)
  "agent.updated": def(
    "config",
    "agent",
    z.strictObject({
      agent: str,
      changes: z.record(str, z.strictObject({ from: z.unknown(), to: z.unknown() })),
      widened: z.boolean(),
    }),
  ),
  // suspended/retired: the agent's waiting work its new status stopped (lib/execution/phase-stop.ts)
  "agent.suspended": def(
    "config",
    "agent",
    z.strictObject({ agent: str, from: str, to: str, returnedToApproval: count, expired: count }),
  ),
  "agent.resumed": def("config", "agent", z.strictObject({ agent: str, from: str, to: str })),
  "agent.retired": def(
    "config",
    "agent",
    z.strictObject({ agent: str, from: str, to: str, returnedToApproval: count, expired: count }),
  ),
  // phase gates (lib/gates): a promotion keeps the gate as evaluated; a demotion by a person or
  // by the phaseGates leader (automatic: the breached criteria)
  "agent.promoted": def(
    "config",
    "agent",
    z.strictObject({
      agent: str,
      from: str,
      to: str,
      changeId: str,
      gate: z.record(str, z.unknown()),
    }),
  ),
  "agent.demoted": def(
    "config",
    "agent",
    z.strictObject({
      agent: str,
      from: str,
      to: str,
      changeId: str,
      automatic: z.boolean(),
      breaches: z.array(str).optional(),
      // the agent's waiting work the lower phase stopped (lib/execution/phase-stop.ts)
      returnedToApproval: count,
      expired: count,
    }),
  ),
  "promotion_criteria.set": def(
    "config",
    "agent",
    z.strictObject({
      agent: str,
      changes: z.record(str, z.strictObject({ from: z.unknown(), to: z.unknown() })),
      wasDefault: z.boolean(),
    }),
  ),
  // the incident log (lib/incidents): opened by the incidents step or a person, triaged, closed
  "incident.opened": def(
    "config",
    "incident",
    z.strictObject({ source: str, sourceRef: str, agent: str.nullable(), title: str }),
  ),
  "incident.severity_set": def(
    "config",
    "incident",
    z.strictObject({ from: str.nullable(), to: str }),
  ),
  "incident.closed": def("config", "incident", z.strictObject({ severity: str.nullable() })),
  "agent.callback_set": def("config", "agent", z.strictObject({ agent: str, url: str })),
  "agent.callback_removed": def("config", "agent", z.strictObject({ agent: str, url: z.null() })),
  // counted per minute: the first refusal of a minute only (rate-limit.ts)
  "agent.rate_limited": def(
    "execution",
    "agent",
    z.strictObject({ windowStart: str, counter: str }),
  ),
  "api_key.created": def(
    "config",
    "agent",
    z.strictObject({
      keyId: str,
      prefix: str,
      expiresAt: z.date().nullable(),
      label: str.nullable(),
    }),
  ),
  "api_key.rotated": def(
    "config",
    "agent",
    z.strictObject({ newPrefix: str, oldPrefixes: z.array(str), graceUntil: z.date() }),
  ),
  "api_key.revoked": def("config", "agent", z.strictObject({ keyId: str, prefix: str })),

  // ── configuration ──
  "approver_group.webhook_set": def(
    "config",
    "approver_group",
    z.strictObject({ group: str, url: str }),
  ),
  "approver_group.webhook_removed": def(
    "config",
    "approver_group",
    z.strictObject({ group: str, url: z.null() }),
  ),
  // approver groups in the console (lib/groups): members by id and name, settings before → after
  "approver_group.created": def(
    "config",
    "approver_group",
    z.strictObject({ group: str, name: str }),
  ),
  "approver_group.member_added": def(
    "config",
    "approver_group",
    z.strictObject({ group: str, userId: str, name: str }),
  ),
  "approver_group.member_removed": def(
    "config",
    "approver_group",
    z.strictObject({ group: str, userId: str, name: str }),
  ),
  "approver_group.settings_changed": def(
    "config",
    "approver_group",
    z.strictObject({
      group: str,
      changes: z.record(str, z.strictObject({ from: z.unknown(), to: z.unknown() })),
    }),
  ),
  // retry policies per connector error class (lib/execution/retry-policy-config.ts)
  "retry_policy.updated": def(
    "config",
    "retry_policy",
    z.strictObject({ errorClass: str, from: values, to: values, wasDefault: z.boolean() }),
  ),
  "retry_policy.reset": def(
    "config",
    "retry_policy",
    z.strictObject({ errorClass: str, from: values, to: values }),
  ),
  // change: the id the trip's notice carries and instances acknowledge (absent before issue 11)
  "kill_switch.tripped": def(
    "config",
    "kill_switch",
    z.strictObject({ scope: str, target: str, halted: num, change: str.optional() }),
  ),
  // after a trip: which live instances acknowledged it within the wait, and which did not
  "kill_switch.propagated": def(
    "config",
    "kill_switch",
    z.strictObject({
      change: str,
      instances: num,
      acknowledged: z.array(z.strictObject({ instance: str, kind: str, ms: num })),
      unacknowledged: z.array(
        z.strictObject({
          instance: str,
          kind: str,
          host: str,
          pid: num,
          listening: z.boolean(),
          lastBeatSecondsAgo: num,
        }),
      ),
      waitedMs: num,
    }),
  ),
  "kill_switch.reset": def(
    "config",
    "kill_switch",
    z.strictObject({ scope: str, target: str, engagedSince: z.date().nullable() }),
  ),
  // ── anomalies (lib/anomalies) ──
  // a rule's thresholds set (created or changed) for an agent × action type, or the default
  "anomaly_rule.saved": def(
    "config",
    "anomaly_rule",
    z.strictObject({
      scope: str,
      before: z
        .strictObject({
          enabled: z.boolean(),
          windowMinutes: num,
          zThreshold: num,
          minCount: num,
          autoTrip: z.boolean(),
        })
        .nullable(),
      after: z.strictObject({
        enabled: z.boolean(),
        windowMinutes: num,
        zThreshold: num,
        minCount: num,
        autoTrip: z.boolean(),
      }),
    }),
  ),
  "anomaly_rule.deleted": def("config", "anomaly_rule", z.strictObject({ scope: str })),
  // an episode opened: the figures it fired on and what was done (alerted, tripped …)
  "anomaly.detected": def(
    "execution",
    "anomaly",
    z.strictObject({
      agent: str,
      actionType: str,
      windowStart: str,
      windowEnd: str,
      observed: num,
      expected: num,
      scale: num,
      score: num,
      zThreshold: num,
      minCount: num,
      action: str,
      detail: str,
    }),
  ),
  "anomaly.acknowledged": def("config", "anomaly", z.strictObject({ agent: str, actionType: str })),
  // the weekly digest queued (the schedule's, once per week, or a person's "send now")
  "digest.sent": def(
    "execution",
    "weekly_digest",
    z.strictObject({ week: str, trigger: str, status: str, agents: num }),
  ),
  "environment.connection_updated": def(
    "config",
    "environment",
    z.strictObject({ clientSecretChanged: z.boolean(), passwordChanged: z.boolean() }),
  ),
  // on the execution lane: a test is a call to Salesforce, not a change of configuration
  "environment.connection_tested": def(
    "execution",
    "environment",
    z.strictObject({ status: str, ms: num, error: str.nullable() }),
  ),
  // people: a first single sign-on makes the account; a roles claim keeps its roles (sso-sign-in.ts)
  "user.created": def("config", "user", z.strictObject({ email: str, via: str })),
  "user.roles_changed": def(
    "config",
    "user",
    z.strictObject({
      from: z.array(str),
      to: z.array(str),
      via: str,
      claim: str.optional(),
      keptAdmin: str.optional(),
    }),
  ),
  // the people console (lib/users): an admin invites a person, deactivates or reactivates them
  "user.invited": def(
    "config",
    "user",
    z.strictObject({
      email: str,
      name: str,
      roles: z.array(str),
      signIn: z.enum(["password", "sso"]),
    }),
  ),
  "user.deactivated": def("config", "user", z.strictObject({ email: str, sessionsEnded: num })),
  "user.reactivated": def("config", "user", z.strictObject({ email: str })),
  // the demo seed's configuration history (seed-demo-org.ts)
  // the seed's first version has { version, rules }; the console's publish adds the rest
  "policy_matrix.published": def(
    "config",
    "policy_matrix_version",
    z.union([
      z.strictObject({ version: num, rules: num }),
      z.strictObject({
        version: num,
        rules: num,
        previous: num.nullable(),
        authors: z.array(str),
        changes: z.array(ZMatrixChange),
      }),
    ]),
  ),
  // the matrix editor (lib/matrix/versions.ts): a draft copied from the active version …
  "policy_matrix.draft_created": def(
    "config",
    "policy_matrix_version",
    z.strictObject({ version: num, basedOn: num.nullable(), rules: num }),
  ),
  // … one rule of it edited: each setting before → after, in the console's words …
  "policy_matrix.rule_edited": def(
    "config",
    "policy_matrix_version",
    z.strictObject({ version: num, actionType: str, changes: z.array(ZSettingChange) }),
  ),
  // … or dropped unpublished
  "policy_matrix.draft_discarded": def(
    "config",
    "policy_matrix_version",
    z.strictObject({ version: num }),
  ),
  // a new active version copying an earlier one's rules, in one step
  "policy_matrix.rolled_back": def(
    "config",
    "policy_matrix_version",
    z.strictObject({
      version: num,
      to: num,
      previous: num.nullable(),
      rules: num,
      changes: z.array(ZMatrixChange),
    }),
  ),
  // the seed's versions have { rolloutPercent }; the console's publish (lib/workflows) the rest
  "workflow_version.published": def(
    "config",
    "workflow_version",
    z.union([
      z.strictObject({ rolloutPercent: num }),
      z.strictObject({
        workflow: str,
        version: num,
        rolloutPercent: num,
        baseline: num.nullable(),
        actionTypes: z.array(str),
        changeWindows: z.array(z.unknown()),
      }),
    ]),
  ),
  // the workflows console (lib/workflows/versions.ts): a draft copied from a version …
  "workflow_version.draft_created": def(
    "config",
    "workflow_version",
    z.strictObject({
      workflow: str,
      version: num,
      basedOn: num.nullable(),
      actionTypes: z.array(str),
      changeWindows: z.array(z.unknown()),
      widens: z.array(str),
    }),
  ),
  // … edited (each changed setting before → after; `widens` says what agents may now do more) …
  "workflow_version.draft_edited": def(
    "config",
    "workflow_version",
    z.strictObject({
      workflow: str,
      version: num,
      changes: z.array(z.strictObject({ setting: str, before: z.unknown(), after: z.unknown() })),
      widens: z.array(str),
    }),
  ),
  // … or dropped unpublished
  "workflow_version.draft_discarded": def(
    "config",
    "workflow_version",
    z.strictObject({ workflow: str, version: num }),
  ),
  // a canary one step further (5 → 25 → 100); at 100 the versions it replaces are retired
  "workflow_version.promoted": def(
    "config",
    "workflow_version",
    z.strictObject({
      workflow: str,
      version: num,
      from: num,
      to: num,
      retired: z.array(num),
    }),
  ),
  // a canary retired: its accounts go back to the baseline
  "workflow_version.rolled_back": def(
    "config",
    "workflow_version",
    z.strictObject({
      workflow: str,
      version: num,
      rolloutPercent: num,
      baseline: num.nullable(),
      // its queued work stopped in the same transaction (halted: awaiting a write; expired:
      // awaiting a decision)
      halted: num,
      expired: num,
    }),
  ),
  // a periodic permission review (permission-reviews.ts): kept, or revoked with its grants
  "permission_set.reviewed": def(
    "config",
    "permission_set",
    z.strictObject({
      slug: str,
      outcome: z.enum(["approved", "revoked"]),
      grantsRevoked: num,
      nextDueAt: z.date().nullable(),
    }),
  ),
  "permission_set.created": def(
    "config",
    "permission_set",
    z.strictObject({ slug: str, grants: num, agents: z.array(str) }),
  ),
  // the demo seed's elevation, then the console's (elevate-agent.ts): whose scope, what, how long
  "grant.elevated": def(
    "config",
    "grant",
    z.union([
      z.strictObject({ validUntil: z.date().nullable() }),
      z.strictObject({
        agentId: str,
        agent: str,
        operations: z.array(str),
        fields: z.array(str),
        recordCondition: str.nullable(),
        hours: num,
        validUntil: z.date(),
      }),
    ]),
  ),
  "field_ownership.defined": def(
    "config",
    "field_ownership",
    z.strictObject({ fields: z.array(str) }),
  ),
  // the console's field-ownership editor (lib/field-ownership): one row's settings before and
  // after (null: created / deleted), and how the change lets agents write more (a reason given)
  "field_ownership.created": def("config", "field_ownership", ZOwnershipChange),
  "field_ownership.updated": def("config", "field_ownership", ZOwnershipChange),
  "field_ownership.deleted": def("config", "field_ownership", ZOwnershipChange),
  // the console's grant editor (lib/agents/grants.ts): a grant added to a permission set (an
  // edit is a revocation and a new grant, `replaces` naming the old one), or revoked — an
  // elevation ended early among them
  "grant.created": def(
    "config",
    "grant",
    z.strictObject({
      permissionSet: str,
      operations: z.array(str),
      fields: z.array(str),
      recordCondition: str.nullable(),
      replaces: str.nullable(),
      widened: z.boolean(),
    }),
  ),
  "grant.revoked": def(
    "config",
    "grant",
    z.strictObject({
      permissionSet: str,
      operations: z.array(str),
      fields: z.array(str),
      recordCondition: str.nullable(),
      validUntil: z.date().nullable(),
      endedEarly: z.boolean(),
      replacedBy: str.nullable(),
    }),
  ),
  // a permission set made in the console, attached to or detached from an agent
  "permission_set.defined": def(
    "config",
    "permission_set",
    z.strictObject({ slug: str, name: str, domain: str }),
  ),
  "permission_set.attached": def(
    "config",
    "permission_set",
    z.strictObject({ slug: str, agentId: str, agent: str, grants: num }),
  ),
  "permission_set.detached": def(
    "config",
    "permission_set",
    z.strictObject({ slug: str, agentId: str, agent: str, grants: num }),
  ),
} as const;

type TAuditEvents = typeof AUDIT_EVENTS;
export type TAuditAction = keyof TAuditEvents;
/** The payload an action's writer passes (dates as Date: they are stored as ISO strings). */
export type TAuditPayload<A extends TAuditAction> = z.input<TAuditEvents[A]["payload"]>;

export const AUDIT_ACTIONS = Object.keys(AUDIT_EVENTS) as TAuditAction[];

function isAuditAction(action: string): action is TAuditAction {
  return Object.hasOwn(AUDIT_EVENTS, action);
}

/** The request context stored with an event, or null (agents, workers and the CLI have none). */
export function contextOf(payload: unknown): TRequestContext | null {
  if (!payload || typeof payload !== "object") return null;
  const parsed = ZRequestContext.safeParse((payload as Record<string, unknown>)[CONTEXT_KEY]);
  return parsed.success ? parsed.data : null;
}

/**
 * The payload as stored: the action's own, checked against its schema, plus the request context
 * under CONTEXT_KEY. A payload that does not match is a programming error: this throws before
 * anything is written, so the caller's transaction rolls back whole.
 */
export function storedPayload(
  action: string,
  payload: unknown,
  context?: TRequestContext | null,
): Record<string, unknown> {
  if (!isAuditAction(action)) throw new Error(`Unregistered audit action "${action}"`);
  const parsed = AUDIT_EVENTS[action].payload.safeParse(payload);
  if (!parsed.success) {
    throw new Error(`Audit payload of ${action} is malformed:\n${z.prettifyError(parsed.error)}`);
  }
  // the payload as given, not zod's copy: the stored JSON (and its hash) stay what they were
  const own = payload as Record<string, unknown>;
  return context ? { ...own, [CONTEXT_KEY]: ZRequestContext.parse(context) } : own;
}
