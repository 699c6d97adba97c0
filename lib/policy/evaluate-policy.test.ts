import { describe, expect, it } from "vitest";
import {
  ACTION_TYPES,
  AGENTS,
  DEFAULT_MATRIX,
  FIELD_OWNERSHIP,
  PERMISSION_SETS,
  WORKFLOWS,
} from "@/lib/seed/demo-fixtures";
import { DENIAL_STATUS, evaluatePolicy } from "./evaluate-policy";
import type {
  TAgentPhase,
  TChangeWindow,
  TDenialCode,
  TPolicyGrant,
  TPolicyInput,
  TPolicyOutcome,
  TPolicyRule,
} from "./types";

// Monday 2026-11-23 14:00:45 UTC.
const NOW = new Date("2026-11-23T14:00:45Z");
const at = (iso: string) => new Date(iso);
const plus = (ms: number) => new Date(NOW.getTime() + ms);
const ENV = "env_prod";

// ───────────── realistic inputs built from the demo org ─────────────

function grantsOf(slug: string): TPolicyGrant[] {
  return PERMISSION_SETS.filter((ps) => ps.agents.includes(slug)).flatMap((ps) =>
    ps.grants.map((g, i) => ({
      id: `gr_${ps.slug}_${i}`,
      label: ps.name,
      object: g.object,
      operations: g.operations,
      writableFields: g.writableFields,
      recordCondition: g.recordCondition ?? null,
      validFrom: at("2026-01-01T00:00:00Z"),
      validUntil: null,
    })),
  );
}

function ruleOf(key: string): TPolicyRule {
  const row = DEFAULT_MATRIX.find((r) => r.actionType === key);
  if (!row) throw new Error(`no matrix row ${key}`);
  return { ...row };
}

const OPEN_OPP = {
  Id: "0061x00000AbCdE",
  Name: "Acme — Renewal",
  StageName: "Qualification",
  Amount: 40000,
  CloseDate: "2026-12-31",
  IsClosed: false,
  NextStep: null,
};
const OPEN_LEAD = {
  Id: "00Q1x000001",
  Status: "Working - Contacted",
  IsConverted: false,
  OwnerId: "005A",
  Title: null,
};
const REASON = { code: "MEETING_HELD", text: "Pricing call held" };
const EVIDENCE = [{ type: "call_summary", ref: "gong:call/8812" }];

type TScenario = {
  agent?: string;
  phase?: TAgentPhase;
  actionType: string;
  changes: Record<string, unknown>;
  current?: Record<string, unknown> | null;
};

/** The seed's agent doing `actionType` in prod through its own workflow, with everything in order. */
function input(s: TScenario, over: Partial<TPolicyInput> = {}): TPolicyInput {
  const slug = s.agent ?? "pipeline-hygiene-bot";
  const seedAgent = AGENTS.find((a) => a.slug === slug)!;
  const at = ACTION_TYPES.find((a) => a.key === s.actionType) ?? null;
  const wf = WORKFLOWS.find((w) => w.key === seedAgent.workflow)!;
  const create = at?.operation === "create";
  return {
    agent: {
      id: `ag_${slug}`,
      slug,
      status: "active",
      phase: s.phase ?? seedAgent.phase.prod,
      environmentId: ENV,
    },
    request: {
      actionType: s.actionType,
      object: at?.object ?? "Opportunity",
      operation: (at?.operation ?? "update") as TPolicyInput["request"]["operation"],
      recordId: create ? null : "rec_1",
      changes: s.changes,
      reason: REASON,
      evidence: EVIDENCE,
    },
    current: s.current === undefined ? (create ? null : OPEN_OPP) : s.current,
    actionType: at,
    grants: grantsOf(slug),
    rule: DEFAULT_MATRIX.some((r) => r.actionType === s.actionType) ? ruleOf(s.actionType) : null,
    workflow: {
      key: wf.key,
      version: Math.max(...wf.versions.map((v) => v.version)),
      status: "published",
      actionTypes: wf.actionTypes,
      changeWindows: [],
    },
    fieldOwnership: FIELD_OWNERSHIP,
    killSwitches: [],
    rateLimit: {
      callsPerMinute: { used: 10, limit: 120 },
      writesPerHour: { used: 100, limit: 300 },
    },
    now: NOW,
    ...over,
  };
}

const stage = (to: string, from = "Qualification") =>
  input({
    actionType: "opportunity.change_stage",
    changes: { StageName: to },
    current: { ...OPEN_OPP, StageName: from },
  });
const amount = (to: unknown, from: unknown = 40000, extra: Partial<TPolicyInput> = {}) =>
  input(
    {
      actionType: "opportunity.change_amount_or_close_date",
      changes: { Amount: to },
      current: { ...OPEN_OPP, Amount: from },
    },
    extra,
  );
const leadCreate = (over: Partial<TPolicyInput> = {}, phase?: TAgentPhase) =>
  input(
    {
      agent: "lead-enrichment-bot",
      phase,
      actionType: "lead.create",
      changes: { LastName: "Lovelace", Company: "Analytical Engines", Email: "ada@ae.example" },
    },
    over,
  );
const withRequest = (base: TPolicyInput, req: Partial<TPolicyInput["request"]>): TPolicyInput => ({
  ...base,
  request: { ...base.request, ...req },
});
const withAgent = (base: TPolicyInput, a: Partial<TPolicyInput["agent"]>): TPolicyInput => ({
  ...base,
  agent: { ...base.agent, ...a },
});
const pipelineGrant = (over: Partial<TPolicyGrant>): TPolicyGrant => ({
  ...grantsOf("pipeline-hygiene-bot")[0],
  ...over,
});
const withWindows = (base: TPolicyInput, changeWindows: TChangeWindow[], now = NOW) => ({
  ...base,
  now,
  workflow: { ...base.workflow!, changeWindows },
});
const WEEKDAYS = [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }];

// ───────────── the table ─────────────

type TCase = {
  name: string;
  input: TPolicyInput;
  outcome: TPolicyOutcome;
  rule: string;
  code?: TDenialCode;
  status?: number;
  detail?: string | RegExp;
  retryAfterSeconds?: number;
  mode?: string | null;
  approverRole?: string | null;
  requiredApprovals?: number;
  slaMinutes?: number | null;
  reason?: string | RegExp;
};

const cases: TCase[] = [
  // ── each of the seed's 8 matrix rows, as the seed's own agents would use them ──
  {
    name: "matrix lead.create: auto",
    input: leadCreate(),
    outcome: "auto_approved",
    rule: "lead.create/default",
    mode: "auto",
    approverRole: null,
    requiredApprovals: 0,
    slaMinutes: null,
    reason: 'Grant "Lead enrichment" allows create of LastName, Company, Email on Lead',
  },
  {
    name: "matrix lead.enrich: auto on an open lead",
    input: input({
      agent: "lead-enrichment-bot",
      actionType: "lead.enrich",
      changes: { Title: "CTO", NumberOfEmployees: 250 },
      current: OPEN_LEAD,
    }),
    outcome: "auto_approved",
    rule: "lead.enrich/default",
    mode: "auto",
  },
  {
    name: "matrix lead.convert: human-in-the-loop by RevOps on-call",
    input: input({
      agent: "lead-routing-bot",
      actionType: "lead.convert",
      changes: { Status: "Closed - Converted" },
      current: OPEN_LEAD,
    }),
    outcome: "pending_approval",
    rule: "lead.convert/default",
    mode: "human_in_the_loop",
    approverRole: "revops_oncall",
    requiredApprovals: 1,
    slaMinutes: 60,
  },
  {
    name: "matrix opportunity.create: human-in-the-loop by Sales Ops",
    input: input({
      actionType: "opportunity.create",
      changes: {
        Name: "Acme — Expansion",
        AccountId: "001A",
        StageName: "Prospecting",
        CloseDate: "2027-03-31",
        Amount: 25000,
      },
    }),
    outcome: "pending_approval",
    rule: "opportunity.create/default",
    approverRole: "sales_ops",
    slaMinutes: 240,
  },
  {
    name: "matrix opportunity.change_stage, early stage: Sales Ops",
    input: stage("Needs Analysis"),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/default",
    mode: "human_in_the_loop",
    approverRole: "sales_ops",
    requiredApprovals: 1,
    slaMinutes: 240,
  },
  {
    name: "matrix opportunity.change_amount_or_close_date: human-only draft for AE managers",
    input: amount(45000),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/default",
    mode: "human_only",
    approverRole: "ae_manager",
    requiredApprovals: 1,
    slaMinutes: 1440,
  },
  {
    name: "matrix quote.create: human-only draft for deal desk (agent in propose)",
    input: input({
      agent: "quote-assistant",
      actionType: "quote.create",
      changes: { Name: "Q-1001", OpportunityId: "006A", Status: "Draft" },
    }),
    outcome: "draft",
    rule: "quote.create/default",
    mode: "human_only",
    approverRole: "deal_desk",
    slaMinutes: 480,
  },
  {
    name: "matrix order.create: human-only draft for deal desk",
    input: input({
      agent: "quote-assistant",
      phase: "execute",
      actionType: "order.create",
      changes: {
        AccountId: "001A",
        OpportunityId: "006A",
        Status: "Draft",
        EffectiveDate: "2026-12-01",
      },
    }),
    outcome: "draft",
    rule: "order.create/default",
    approverRole: "deal_desk",
  },

  // ── conditions raise the mode ──
  {
    name: "late-stage: moving into Negotiation goes to deal desk",
    input: stage("Negotiation/Review"),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/late-stage",
    mode: "human_in_the_loop",
    approverRole: "deal_desk",
    reason:
      "Late-stage condition matched: StageName → Negotiation/Review (was Qualification); approval by deal_desk",
  },
  {
    name: "late-stage: moving OUT of a late stage also goes to deal desk",
    input: stage("Qualification", "Proposal/Price Quote"),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/late-stage",
    approverRole: "deal_desk",
  },
  {
    name: "large-deal: an amount over 100k needs 2 approvals",
    input: amount(110000, 100000),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/large-deal",
    approverRole: "ae_manager",
    requiredApprovals: 2,
    reason: /^Large-deal condition matched: Amount → 110000 \(was 100000\); 2 approvals required$/,
  },
  {
    name: "large-deal: a current amount over 100k counts too (bringing it down)",
    input: amount(90000, 105000),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/large-deal",
    requiredApprovals: 2,
  },
  {
    name: "a condition's mode raises human-in-the-loop to human-only",
    input: {
      ...stage("Closed Won", "Negotiation/Review"),
      rule: {
        ...ruleOf("opportunity.change_stage"),
        conditions: [
          ...ruleOf("opportunity.change_stage").conditions,
          { name: "closing", when: "StageName like 'Closed%'", mode: "human_only" },
        ],
      },
    },
    outcome: "draft",
    rule: "opportunity.change_stage/late-stage+closing",
    mode: "human_only",
    approverRole: "deal_desk",
    reason:
      /^Closing condition matched: StageName → Closed Won \(was Negotiation\/Review\); mode raised to human-only$/,
  },
  {
    name: "a condition never lowers the mode",
    input: {
      ...stage("Needs Analysis"),
      rule: {
        ...ruleOf("opportunity.change_stage"),
        conditions: [{ name: "small", when: "Amount < 50000", mode: "auto" }],
      },
    },
    outcome: "pending_approval",
    rule: "opportunity.change_stage/small",
    mode: "human_in_the_loop",
  },
  {
    name: "a condition with an unknown mode fails closed to human-only",
    input: {
      ...stage("Needs Analysis"),
      rule: {
        ...ruleOf("opportunity.change_stage"),
        conditions: [{ name: "odd", when: "Amount > 0", mode: "robots" }],
      },
    },
    outcome: "draft",
    rule: "opportunity.change_stage/odd",
    mode: "human_only",
  },
  {
    name: "a malformed condition is applied as matched",
    input: {
      ...leadCreate(),
      rule: {
        ...ruleOf("lead.create"),
        conditions: [{ name: "broken", when: "Company ==", mode: "human_in_the_loop" }],
      },
    },
    outcome: "pending_approval",
    rule: "lead.create/broken",
    reason: /^Broken condition could not be read \(use "=" instead of "=="\); applied as matched/,
  },

  // ── phase gates ──
  {
    name: "observe phase: recorded, never executed",
    input: leadCreate({}, "observe"),
    outcome: "observed",
    rule: "lead.create/default",
    mode: "auto",
    slaMinutes: null,
    reason: /observe phase: recorded, never executed \(in execute it would be auto_approved\)/,
  },
  {
    name: "observe phase keeps the would-be approver for the console",
    input: withAgent(stage("Negotiation/Review"), { phase: "observe" }),
    outcome: "observed",
    rule: "opportunity.change_stage/late-stage",
    mode: "human_in_the_loop",
    approverRole: "deal_desk",
    slaMinutes: null,
  },
  {
    name: "observe phase is still denied when out of scope",
    input: withAgent(amount(45000, 40000, { grants: [] }), { phase: "observe" }),
    outcome: "denied",
    rule: "scope/no-grants",
    code: "scope_denied",
    status: 403,
  },
  {
    name: "propose phase: an auto action needs approval (fallback approver)",
    input: leadCreate({ fallbackApproverRole: "revops_oncall" }, "propose"),
    outcome: "pending_approval",
    rule: "lead.create/default",
    mode: "human_in_the_loop",
    approverRole: "revops_oncall",
    requiredApprovals: 1,
    reason: "Agent lead-enrichment-bot is in the propose phase: auto actions need approval",
  },
  {
    name: "propose phase without a fallback approver leaves the role open",
    input: leadCreate({}, "propose"),
    outcome: "pending_approval",
    rule: "lead.create/default",
    approverRole: null,
  },
  {
    name: "propose phase does not change human-in-the-loop",
    input: withAgent(stage("Needs Analysis"), { phase: "propose" }),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/default",
    approverRole: "sales_ops",
  },
  {
    name: "quote-assistant in staging (observe) only observes",
    input: input({
      agent: "quote-assistant",
      phase: AGENTS[3].phase.staging,
      actionType: "quote.create",
      changes: { Name: "Q-2" },
    }),
    outcome: "observed",
    rule: "quote.create/default",
    mode: "human_only",
  },

  // ── 1. agent status ──
  {
    name: "suspended agent",
    input: withAgent(leadCreate(), { status: "suspended" }),
    outcome: "denied",
    rule: "agent/suspended",
    code: "agent_inactive",
    status: 403,
    detail: "Agent lead-enrichment-bot is suspended",
  },
  {
    name: "retired agent, before any other check",
    input: withAgent(leadCreate({ killSwitches: [{ scope: "global", engaged: true }] }), {
      status: "retired",
    }),
    outcome: "denied",
    rule: "agent/retired",
    code: "agent_inactive",
    status: 403,
  },

  // ── 2. kill switches ──
  {
    name: "global kill switch",
    input: leadCreate({
      killSwitches: [{ scope: "global", engaged: true, reason: "CRM incident INC-42" }],
    }),
    outcome: "denied",
    rule: "kill-switch/global",
    code: "kill_switch_engaged",
    status: 423,
    detail: "The global kill switch is engaged: CRM incident INC-42",
  },
  {
    name: "environment kill switch for this environment",
    input: leadCreate({
      killSwitches: [{ scope: "environment", engaged: true, environmentId: ENV }],
    }),
    outcome: "denied",
    rule: "kill-switch/environment",
    code: "kill_switch_engaged",
    detail: "The kill switch for environment env_prod is engaged",
  },
  {
    name: "agent kill switch for this agent",
    input: leadCreate({
      killSwitches: [
        { scope: "agent", engaged: true, agentId: "ag_lead-enrichment-bot", reason: "spike" },
      ],
    }),
    outcome: "denied",
    rule: "kill-switch/agent",
    code: "kill_switch_engaged",
    detail: "The kill switch for agent lead-enrichment-bot is engaged: spike",
  },
  {
    name: "workflow kill switch for this workflow",
    input: leadCreate({
      killSwitches: [{ scope: "workflow", engaged: true, workflowKey: "lead-enrichment" }],
    }),
    outcome: "denied",
    rule: "kill-switch/workflow",
    code: "kill_switch_engaged",
    status: 423,
    detail: "The kill switch for workflow lead-enrichment is engaged",
  },
  {
    name: "kill switches of other environments, agents, workflows and disengaged ones do not apply",
    input: leadCreate({
      killSwitches: [
        { scope: "global", engaged: false },
        { scope: "environment", engaged: true, environmentId: "env_dev" },
        { scope: "agent", engaged: true, agentId: "ag_lead-routing-bot" },
        { scope: "workflow", engaged: true, workflowKey: "pipeline-hygiene" },
      ],
    }),
    outcome: "auto_approved",
    rule: "lead.create/default",
  },
  {
    name: "the broadest engaged switch is named first whatever the input order",
    input: leadCreate({
      killSwitches: [
        { scope: "agent", engaged: true, agentId: "ag_lead-enrichment-bot" },
        { scope: "environment", engaged: true, environmentId: ENV, reason: "prod freeze" },
      ],
    }),
    outcome: "denied",
    rule: "kill-switch/environment",
    code: "kill_switch_engaged",
    detail: "The kill switch for environment env_prod is engaged: prod freeze",
    reason: "The kill switch for agent lead-enrichment-bot is engaged",
  },

  // ── 3. rate limits (used = calls before this one) ──
  {
    name: "calls per minute exhausted: retry at the next minute",
    input: leadCreate({
      rateLimit: {
        callsPerMinute: { used: 240, limit: 240 },
        writesPerHour: { used: 0, limit: 1200 },
      },
    }),
    outcome: "denied",
    rule: "rate-limit/calls-per-minute",
    code: "rate_limited",
    status: 429,
    retryAfterSeconds: 15,
    detail: "Rate limit reached: 240 of 240 calls per minute used; retry in 15 s",
  },
  {
    name: "writes per hour exhausted: retry at the next hour",
    input: leadCreate({
      rateLimit: {
        callsPerMinute: { used: 1, limit: 240 },
        writesPerHour: { used: 1300, limit: 1200 },
      },
    }),
    outcome: "denied",
    rule: "rate-limit/writes-per-hour",
    code: "rate_limited",
    retryAfterSeconds: 3555,
  },
  {
    name: "both exhausted: wait for the later window; an explicit resetAt wins",
    input: leadCreate({
      rateLimit: {
        callsPerMinute: { used: 240, limit: 240, resetAt: plus(30_500) },
        writesPerHour: { used: 1200, limit: 1200, resetAt: plus(20_000) },
      },
    }),
    outcome: "denied",
    rule: "rate-limit/calls-per-minute+writes-per-hour",
    code: "rate_limited",
    retryAfterSeconds: 31,
  },
  {
    name: "one call left is still allowed",
    input: leadCreate({
      rateLimit: {
        callsPerMinute: { used: 239, limit: 240 },
        writesPerHour: { used: 1199, limit: 1200 },
      },
    }),
    outcome: "auto_approved",
    rule: "lead.create/default",
  },

  // ── 4. action ──
  {
    name: "unknown action type",
    input: input({ actionType: "opportunity.delete_everything", changes: { StageName: "x" } }),
    outcome: "denied",
    rule: "action/unknown-type",
    code: "invalid_action",
    status: 400,
    detail: "Unknown action type opportunity.delete_everything",
  },
  {
    name: "action type on the wrong object",
    input: withRequest(stage("Needs Analysis"), { object: "Lead" }),
    outcome: "denied",
    rule: "action/object",
    code: "invalid_action",
    detail: "Action type opportunity.change_stage acts on Opportunity, not Lead",
  },
  {
    name: "action type with the wrong operation",
    input: withRequest(stage("Needs Analysis"), { operation: "delete" }),
    outcome: "denied",
    rule: "action/operation",
    code: "invalid_action",
    detail: "Action type opportunity.change_stage performs update, not delete",
  },
  {
    name: "empty changes",
    input: withRequest(stage("Needs Analysis"), { changes: {} }),
    outcome: "denied",
    rule: "action/empty-changes",
    code: "invalid_action",
    status: 400,
  },
  {
    name: "a field the action type does not change",
    input: withRequest(stage("Needs Analysis"), {
      changes: { StageName: "Needs Analysis", Amount: 1 },
    }),
    outcome: "denied",
    rule: "action/field",
    code: "invalid_action",
    detail:
      "Action type opportunity.change_stage cannot change Amount (it changes StageName, NextStep)",
  },
  {
    name: "an update without a record id",
    input: withRequest(stage("Needs Analysis"), { recordId: null }),
    outcome: "denied",
    rule: "action/record-id",
    code: "invalid_action",
  },

  // ── 5. workflow ──
  {
    name: "action type outside the agent's workflow",
    input: {
      ...leadCreate(),
      workflow: {
        key: "pipeline-hygiene",
        version: 3,
        status: "published",
        actionTypes: WORKFLOWS[2].actionTypes,
        changeWindows: [],
      },
    },
    outcome: "denied",
    rule: "workflow/action-type",
    code: "workflow_mismatch",
    status: 403,
    detail: /^Workflow pipeline-hygiene v3 does not include action type lead.create/,
  },
  {
    name: "a retired workflow version",
    input: {
      ...stage("Needs Analysis"),
      workflow: { ...stage("x").workflow!, version: 1, status: "retired" },
    },
    outcome: "denied",
    rule: "workflow/status",
    code: "workflow_mismatch",
    detail: "Workflow pipeline-hygiene v1 is retired, not published",
  },
  {
    name: "inside a weekday change window",
    input: withWindows(stage("Needs Analysis"), WEEKDAYS),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/default",
  },
  {
    name: "Saturday is outside the weekday window: retry on Monday 09:00",
    input: withWindows(stage("Needs Analysis"), WEEKDAYS, at("2026-11-28T10:00:00Z")),
    outcome: "denied",
    rule: "workflow/change-window",
    code: "outside_change_window",
    status: 423,
    retryAfterSeconds: 47 * 3600,
    detail:
      "Outside the change windows of workflow pipeline-hygiene v3 (Mon,Tue,Wed,Thu,Fri 09:00–17:00 UTC); the next one opens at 2026-11-30T09:00:00.000Z",
  },
  {
    name: "17:00 is the end of the window (exclusive)",
    input: withWindows(stage("Needs Analysis"), WEEKDAYS, at("2026-11-23T17:00:00Z")),
    outcome: "denied",
    rule: "workflow/change-window",
    code: "outside_change_window",
    retryAfterSeconds: 16 * 3600,
  },
  {
    name: "an overnight window covers the small hours of the next day",
    input: withWindows(
      stage("Needs Analysis"),
      [{ days: [0], start: "22:00", end: "06:00" }],
      at("2026-11-23T05:59:00Z"),
    ),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/default",
  },
  {
    name: "a window in Europe/Paris uses Paris wall-clock time",
    input: withWindows(
      stage("Needs Analysis"),
      [{ days: [1], start: "15:30", end: "16:00", tz: "Europe/Paris" }],
      at("2026-11-23T14:45:00Z"),
    ),
    outcome: "pending_approval",
    rule: "opportunity.change_stage/default",
  },

  // ── 6. scope ──
  {
    name: "no grant on the object",
    input: { ...leadCreate(), grants: grantsOf("quote-assistant") },
    outcome: "denied",
    rule: "scope/object",
    code: "scope_denied",
    status: 403,
    detail: "No grant covers the object Lead (the agent's grants cover Quote, Order)",
  },
  {
    name: "no grant for the operation",
    input: {
      ...withRequest(stage("x"), { operation: "delete", changes: {} }),
      actionType: {
        key: "opportunity.change_stage",
        object: "Opportunity",
        operation: "delete",
        fields: [],
      },
    },
    outcome: "denied",
    rule: "scope/operation",
    code: "scope_denied",
    detail: "No grant allows delete on Opportunity (granted operations: update, create)",
  },
  {
    name: "the grant does not allow the field",
    input: amount(45000, 40000, {
      grants: [
        pipelineGrant({
          label: "Pipeline hygiene",
          writableFields: ["StageName", "NextStep", "CloseDate"],
        }),
      ],
    }),
    outcome: "denied",
    rule: "scope/field",
    code: "scope_denied",
    detail: 'Grant "Pipeline hygiene" does not allow writing Amount on Opportunity',
  },
  {
    name: "enrichment may not write OwnerId (lead.enrich allows it, the grant does not)",
    input: input({
      agent: "lead-enrichment-bot",
      actionType: "lead.enrich",
      changes: { Title: "VP", OwnerId: "005B" },
      current: OPEN_LEAD,
    }),
    outcome: "denied",
    rule: "scope/field",
    code: "scope_denied",
    detail: 'Grant "Lead enrichment" does not allow writing OwnerId on Lead',
  },
  {
    name: "record condition: a closed opportunity",
    input: input({
      actionType: "opportunity.change_stage",
      changes: { NextStep: "x" },
      current: { ...OPEN_OPP, IsClosed: true },
    }),
    outcome: "denied",
    rule: "scope/condition",
    code: "scope_denied",
    detail:
      'Grant "Pipeline hygiene" record condition "IsClosed = false and Amount < 500000" does not hold: IsClosed = false is false (IsClosed is true)',
  },
  {
    name: "record condition uses the value after the change (Amount 450k → 550k)",
    input: amount(540000, 450000),
    outcome: "denied",
    rule: "scope/condition",
    code: "scope_denied",
    detail: /Amount < 500000 is false \(Amount is 540000\)$/,
  },
  {
    name: "record condition: a converted lead cannot be enriched",
    input: input({
      agent: "lead-enrichment-bot",
      actionType: "lead.enrich",
      changes: { Title: "VP" },
      current: { ...OPEN_LEAD, IsConverted: true },
    }),
    outcome: "denied",
    rule: "scope/condition",
    code: "scope_denied",
  },
  {
    name: "a malformed record condition covers nothing",
    input: {
      ...stage("Needs Analysis"),
      grants: [pipelineGrant({ recordCondition: "IsClosed = " })],
    },
    outcome: "denied",
    rule: "scope/condition",
    code: "scope_denied",
    detail:
      'Grant "Pipeline hygiene" has a malformed record condition "IsClosed = " (expected a value but the condition ended); it covers nothing until fixed',
  },
  {
    name: "time-bounded grant: valid 1 ms before validUntil",
    input: amount(45000, 40000, { grants: [pipelineGrant({ validUntil: plus(1) })] }),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/default",
  },
  {
    name: "time-bounded grant: expired at validUntil",
    input: amount(45000, 40000, {
      grants: [pipelineGrant({ label: "Q4 elevation", validUntil: NOW })],
    }),
    outcome: "denied",
    rule: "scope/expired",
    code: "scope_denied",
    detail: 'Grant "Q4 elevation" for update on Opportunity expired at 2026-11-23T14:00:45.000Z',
  },
  {
    name: "time-bounded grant: expired after validUntil",
    input: amount(45000, 40000, { grants: [pipelineGrant({ validUntil: plus(-3_600_000) })] }),
    outcome: "denied",
    rule: "scope/expired",
    code: "scope_denied",
  },
  {
    name: "an expired elevation is named rather than an active grant lacking the field",
    input: amount(45000, 40000, {
      grants: [
        pipelineGrant({ label: "Hygiene", writableFields: ["StageName"] }),
        pipelineGrant({ label: "Amount elevation", validUntil: plus(-1000) }),
      ],
    }),
    outcome: "denied",
    rule: "scope/expired",
    code: "scope_denied",
    detail: /^Grant "Amount elevation" for update on Opportunity expired at/,
  },
  {
    name: "grant not valid yet",
    input: amount(45000, 40000, { grants: [pipelineGrant({ validFrom: plus(60_000) })] }),
    outcome: "denied",
    rule: "scope/not-yet-valid",
    code: "scope_denied",
  },
  {
    name: "revoked grant; a scheduled revocation still applies until then",
    input: amount(45000, 40000, {
      grants: [
        pipelineGrant({ revokedAt: plus(-1) }),
        pipelineGrant({ id: "g2", revokedAt: plus(1000) }),
      ],
    }),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/default",
  },
  {
    name: "revoked grant",
    input: amount(45000, 40000, { grants: [pipelineGrant({ revokedAt: plus(-1) })] }),
    outcome: "denied",
    rule: "scope/revoked",
    code: "scope_denied",
  },

  // ── 7. field ownership ──
  {
    name: "LeadSource on Opportunity belongs to marketing automation",
    input: input({
      actionType: "opportunity.create",
      changes: {
        Name: "Acme — New",
        StageName: "Prospecting",
        CloseDate: "2027-01-31",
        LeadSource: "Web",
      },
    }),
    outcome: "denied",
    rule: "ownership/field",
    code: "field_owned_elsewhere",
    status: 403,
    detail:
      "Opportunity.LeadSource is owned by marketing_automation; its allowed writers are marketing-sync, not pipeline-hygiene-bot",
  },
  {
    name: "lead-enrichment-bot is an allowed writer of Lead.LeadSource",
    input: input({
      agent: "lead-enrichment-bot",
      actionType: "lead.create",
      changes: { LastName: "X", Company: "Y", LeadSource: "Web" },
    }),
    outcome: "auto_approved",
    rule: "lead.create/default",
  },

  // ── 8–9. matrix rule, reason and evidence ──
  {
    name: "no rule for the action type in the active matrix",
    input: { ...stage("Needs Analysis"), rule: null },
    outcome: "denied",
    rule: "policy/no-rule",
    code: "no_policy_rule",
    status: 403,
  },
  {
    name: "reason code required",
    input: withRequest(stage("Needs Analysis"), { reason: { text: "because" } }),
    outcome: "denied",
    rule: "policy/reason",
    code: "reason_required",
    status: 422,
    detail: "Action type opportunity.change_stage requires a reason code (reason.code)",
  },
  {
    name: "a blank reason code is no reason code",
    input: withRequest(leadCreate(), { reason: { code: "  " } }),
    outcome: "denied",
    rule: "policy/reason",
    code: "reason_required",
  },
  {
    name: "evidence required for a stage change",
    input: withRequest(stage("Needs Analysis"), { evidence: [] }),
    outcome: "denied",
    rule: "policy/evidence",
    code: "evidence_required",
    status: 422,
  },
  {
    name: "evidence without a ref does not count",
    input: withRequest(stage("Needs Analysis"), { evidence: [{ type: "call_summary", ref: "" }] }),
    outcome: "denied",
    rule: "policy/evidence",
    code: "evidence_required",
  },
  {
    name: "enrichment needs no evidence",
    input: withRequest(
      input({
        agent: "lead-enrichment-bot",
        actionType: "lead.enrich",
        changes: { Title: "VP" },
        current: OPEN_LEAD,
      }),
      { evidence: undefined },
    ),
    outcome: "auto_approved",
    rule: "lead.enrich/default",
  },

  // ── 10. field constraints ──
  {
    name: "Amount +20% exactly is allowed",
    input: amount(48000),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/default",
  },
  {
    name: "Amount -20% exactly is allowed",
    input: amount(32000),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/default",
  },
  {
    name: "Amount +25% breaks the ±20% limit",
    input: amount(50000),
    outcome: "denied",
    rule: "constraint/max-relative-change",
    code: "constraint_violated",
    status: 422,
    detail: "Amount change from 40000 to 50000 is +25%, beyond the ±20% limit",
  },
  {
    name: "Amount -30% breaks the ±20% limit",
    input: amount(28000),
    outcome: "denied",
    rule: "constraint/max-relative-change",
    code: "constraint_violated",
    detail: "Amount change from 40000 to 28000 is -30%, beyond the ±20% limit",
  },
  {
    name: "Amount from 0 is an unbounded change",
    input: amount(1000, 0),
    outcome: "denied",
    rule: "constraint/max-relative-change",
    code: "constraint_violated",
  },
  {
    name: "a close-date-only change ignores the Amount constraint",
    input: input({
      actionType: "opportunity.change_amount_or_close_date",
      changes: { CloseDate: "2027-01-15" },
    }),
    outcome: "draft",
    rule: "opportunity.change_amount_or_close_date/default",
  },
  {
    name: "a negative Amount on create",
    input: input({
      actionType: "opportunity.create",
      changes: { Name: "N", StageName: "Prospecting", CloseDate: "2027-01-31", Amount: -5 },
    }),
    outcome: "denied",
    rule: "constraint/min",
    code: "constraint_violated",
    detail: "Amount -5 is below the minimum of 0",
  },
  {
    name: "NumberOfEmployees above the maximum",
    input: input({
      agent: "lead-enrichment-bot",
      actionType: "lead.enrich",
      changes: { NumberOfEmployees: 6_000_000 },
      current: OPEN_LEAD,
    }),
    outcome: "denied",
    rule: "constraint/max",
    code: "constraint_violated",
    detail: "NumberOfEmployees 6000000 is above the maximum of 5000000",
  },
  {
    name: "a non-numeric Amount",
    input: input({
      actionType: "opportunity.create",
      changes: { Name: "N", StageName: "Prospecting", CloseDate: "2027-01-31", Amount: "lots" },
    }),
    outcome: "denied",
    rule: "constraint/number",
    code: "constraint_violated",
    detail: "Amount must be a number, got 'lots'",
  },
  {
    name: "allowed values",
    input: {
      ...stage("Maybe"),
      rule: {
        ...ruleOf("opportunity.change_stage"),
        constraints: [{ field: "StageName", allowedValues: ["Prospecting", "Needs Analysis"] }],
      },
    },
    outcome: "denied",
    rule: "constraint/allowed-values",
    code: "constraint_violated",
    detail: "StageName 'Maybe' is not an allowed value (allowed: Prospecting, Needs Analysis)",
  },
];

describe("evaluatePolicy", () => {
  it("has a wide table", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const d = evaluatePolicy(c.input);
    expect({ outcome: d.outcome, rule: d.rule, code: d.denial?.code }).toEqual({
      outcome: c.outcome,
      rule: c.rule,
      code: c.code,
    });
    if (c.status !== undefined) expect(d.denial?.status).toBe(c.status);
    if (d.denial) {
      expect(d.denial.status).toBe(DENIAL_STATUS[d.denial.code]);
      expect(d.reasons[0]).toBe(d.denial.detail);
      expect(d.mode).toBeNull();
    }
    if (c.detail !== undefined) {
      if (typeof c.detail === "string") expect(d.denial?.detail).toBe(c.detail);
      else expect(d.denial?.detail).toMatch(c.detail);
    }
    if (c.retryAfterSeconds !== undefined) {
      expect(d.denial?.retryAfterSeconds).toBe(c.retryAfterSeconds);
    }
    if (c.mode !== undefined) expect(d.mode).toBe(c.mode);
    if (c.approverRole !== undefined) expect(d.approverRole).toBe(c.approverRole);
    if (c.requiredApprovals !== undefined) expect(d.requiredApprovals).toBe(c.requiredApprovals);
    if (c.slaMinutes !== undefined) expect(d.slaMinutes).toBe(c.slaMinutes);
    if (typeof c.reason === "string") expect(d.reasons).toContain(c.reason);
    else if (c.reason)
      expect(d.reasons.some((r) => c.reason instanceof RegExp && c.reason.test(r))).toBe(true);
  });

  it("covers every outcome and every denial code", () => {
    const outcomes = new Set(cases.map((c) => c.outcome));
    expect([...outcomes].sort()).toEqual(
      ["auto_approved", "denied", "draft", "observed", "pending_approval"].sort(),
    );
    const codes = new Set(cases.map((c) => c.code).filter(Boolean));
    expect([...codes].sort()).toEqual(Object.keys(DENIAL_STATUS).sort());
  });

  it("is deterministic and does not mutate its input", () => {
    const i = stage("Negotiation/Review");
    const snapshot = structuredClone(i);
    expect(evaluatePolicy(i)).toEqual(evaluatePolicy(i));
    expect(i).toEqual(snapshot);
  });
});
