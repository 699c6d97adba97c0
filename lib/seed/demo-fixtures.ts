/**
 * The demo org's names (DESIGN.md "Demo org fixtures"): docs, tests and outside clients
 * rely on these exact slugs. Plain data, no I/O.
 */
import type { TRole } from "@/lib/auth/permissions";
import type { TFieldConstraint, TMatrixCondition } from "@/lib/matrix";

export const ENVIRONMENTS = [
  { slug: "dev", name: "Development", isProduction: false },
  { slug: "staging", name: "Staging", isProduction: false },
  { slug: "prod", name: "Production", isProduction: true },
] as const;

export const APPROVER_GROUPS = [
  {
    key: "revops_oncall",
    name: "RevOps on-call",
    isOnCall: true,
    description: "Paged when an agent hits a gated step; converts leads",
  },
  {
    key: "sales_ops",
    name: "Sales Ops",
    isOnCall: false,
    description: "Approves new opportunities and early-stage changes",
  },
  {
    key: "deal_desk",
    name: "Deal desk",
    isOnCall: false,
    description: "Late-stage changes, quotes and orders",
  },
  {
    key: "ae_manager",
    name: "AE managers",
    isOnCall: false,
    description: "Amount and close-date changes",
  },
] as const;
type TGroupKey = (typeof APPROVER_GROUPS)[number]["key"];

export type TDemoUser = {
  key: string;
  email: string;
  name: string;
  password: string;
  roles: TRole[];
  groups: TGroupKey[];
};

/** One user per role (and a few approvers per group). Demo passwords are printed at start. */
export const DEMO_USERS: TDemoUser[] = [
  {
    key: "admin",
    email: "admin@tollgate.demo",
    name: "Ada Admin",
    password: "tollgate-admin",
    roles: ["admin"],
    groups: [],
  },
  {
    key: "ops",
    email: "ops@tollgate.demo",
    name: "Olive Ops",
    password: "tollgate-ops",
    roles: ["ops_owner"],
    groups: [],
  },
  {
    key: "sysowner",
    email: "sysowner@tollgate.demo",
    name: "Sam Sysowner",
    password: "tollgate-system",
    roles: ["system_owner"],
    groups: [],
  },
  {
    key: "risk",
    email: "risk@tollgate.demo",
    name: "Rita Risk",
    password: "tollgate-risk",
    roles: ["risk_owner"],
    groups: [],
  },
  {
    key: "approver",
    email: "approver@tollgate.demo",
    name: "Alex Approver",
    password: "tollgate-approver",
    roles: ["approver"],
    groups: ["revops_oncall", "sales_ops", "deal_desk"],
  },
  {
    key: "vp",
    email: "vp@tollgate.demo",
    name: "Vera VP",
    password: "tollgate-viewer",
    roles: ["viewer"],
    groups: [],
  },
  {
    key: "dealdesk",
    email: "dealdesk@tollgate.demo",
    name: "Dana Dealdesk",
    password: "tollgate-approver",
    roles: ["approver"],
    groups: ["deal_desk"],
  },
  {
    key: "aemanager",
    email: "aemanager@tollgate.demo",
    name: "Mo Manager",
    password: "tollgate-approver",
    roles: ["approver"],
    groups: ["ae_manager"],
  },
  {
    key: "oncall",
    email: "oncall@tollgate.demo",
    name: "Oscar Oncall",
    password: "tollgate-approver",
    roles: ["approver"],
    groups: ["revops_oncall"],
  },
  {
    key: "salesops",
    email: "salesops@tollgate.demo",
    name: "Sol Salesops",
    password: "tollgate-approver",
    roles: ["approver"],
    groups: ["sales_ops"],
  },
];

const LEAD_DATA_FIELDS = [
  "FirstName",
  "LastName",
  "Company",
  "Email",
  "Title",
  "Phone",
  "LeadSource",
  "Industry",
  "Website",
  "Country",
];
const LEAD_ENRICH_FIELDS = [
  "Title",
  "Phone",
  "Industry",
  "NumberOfEmployees",
  "AnnualRevenue",
  "Website",
  "Country",
  "Status",
  "OwnerId",
];

const OPPORTUNITY_CREATE_FIELDS = [
  "Name",
  "AccountId",
  "StageName",
  "CloseDate",
  "Amount",
  "LeadSource",
  "Type",
  "NextStep",
];
const QUOTE_CREATE_FIELDS = ["Name", "OpportunityId", "Status", "ExpirationDate"];
const ORDER_CREATE_FIELDS = ["AccountId", "OpportunityId", "Status", "EffectiveDate"];

export const ACTION_TYPES = [
  {
    key: "lead.create",
    name: "Create lead",
    object: "Lead",
    operation: "create",
    fields: LEAD_DATA_FIELDS,
  },
  {
    key: "lead.enrich",
    name: "Enrich lead fields",
    object: "Lead",
    operation: "update",
    fields: LEAD_ENRICH_FIELDS,
  },
  {
    key: "lead.convert",
    name: "Convert lead",
    object: "Lead",
    operation: "convert",
    fields: ["Status", "OwnerId"],
  },
  {
    key: "opportunity.create",
    name: "Create opportunity",
    object: "Opportunity",
    operation: "create",
    fields: OPPORTUNITY_CREATE_FIELDS,
  },
  {
    key: "opportunity.change_stage",
    name: "Change stage",
    object: "Opportunity",
    operation: "update",
    fields: ["StageName", "NextStep"],
  },
  {
    key: "opportunity.change_amount_or_close_date",
    name: "Change amount / close date",
    object: "Opportunity",
    operation: "update",
    fields: ["Amount", "CloseDate"],
  },
  {
    key: "quote.create",
    name: "Create quote",
    object: "Quote",
    operation: "create",
    fields: QUOTE_CREATE_FIELDS,
  },
  {
    key: "order.create",
    name: "Create order",
    object: "Order",
    operation: "create",
    fields: ORDER_CREATE_FIELDS,
  },
] as const;
export type TActionTypeKey = (typeof ACTION_TYPES)[number]["key"];

export const LATE_STAGES = [
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
  "Closed Lost",
];

type TDefaultRule = {
  actionType: TActionTypeKey;
  mode: "auto" | "human_in_the_loop" | "human_only";
  approverRole: TGroupKey | null;
  requiredApprovals: number;
  requireReason: boolean;
  requireEvidence: boolean;
  loggingRequired: string;
  reversible: boolean;
  rollbackPlan: string;
  /** a create under it may be reverted by deleting the record it made */
  rollbackByDelete: boolean;
  slaMinutes: number | null;
  conditions: TMatrixCondition[];
  constraints: TFieldConstraint[];
};

/** The seed document's "who approves what" matrix, row for row (Create Quote / Order is two action types). */
export const DEFAULT_MATRIX: TDefaultRule[] = [
  {
    actionType: "lead.create",
    mode: "auto",
    approverRole: null,
    requiredApprovals: 0,
    requireReason: true,
    requireEvidence: true,
    loggingRequired: "full evidence",
    reversible: true,
    rollbackPlan: "bulk delete plan",
    rollbackByDelete: true,
    slaMinutes: null,
    conditions: [],
    constraints: [],
  },
  {
    actionType: "lead.enrich",
    mode: "auto",
    approverRole: null,
    requiredApprovals: 0,
    requireReason: true,
    requireEvidence: false,
    loggingRequired: "old/new values + source",
    reversible: true,
    rollbackPlan: "revert batch",
    rollbackByDelete: false,
    slaMinutes: null,
    conditions: [],
    constraints: [
      { field: "NumberOfEmployees", min: 0, max: 5_000_000 },
      { field: "AnnualRevenue", min: 0 },
    ],
  },
  {
    actionType: "lead.convert",
    mode: "human_in_the_loop",
    approverRole: "revops_oncall",
    requiredApprovals: 1,
    requireReason: true,
    requireEvidence: false,
    loggingRequired: "approver + reason",
    reversible: false,
    rollbackPlan: "revert mapping plan",
    rollbackByDelete: false,
    slaMinutes: 60,
    conditions: [],
    constraints: [],
  },
  {
    actionType: "opportunity.create",
    mode: "human_in_the_loop",
    approverRole: "sales_ops",
    requiredApprovals: 1,
    requireReason: true,
    requireEvidence: false,
    loggingRequired: "record diff snapshot",
    reversible: true,
    rollbackPlan: "backout script",
    rollbackByDelete: false,
    slaMinutes: 240,
    conditions: [],
    constraints: [{ field: "Amount", min: 0 }],
  },
  {
    actionType: "opportunity.change_stage",
    mode: "human_in_the_loop",
    approverRole: "sales_ops",
    requiredApprovals: 1,
    requireReason: true,
    requireEvidence: true,
    loggingRequired: "reason + evidence",
    reversible: true,
    rollbackPlan: "revert stage + downstream tasks",
    rollbackByDelete: false,
    slaMinutes: 240,
    conditions: [
      {
        name: "late-stage",
        when: `StageName in ('${LATE_STAGES.join("','")}') or current.StageName in ('${LATE_STAGES.join("','")}')`,
        approverRole: "deal_desk",
      },
    ],
    constraints: [],
  },
  {
    actionType: "opportunity.change_amount_or_close_date",
    mode: "human_only",
    approverRole: "ae_manager",
    requiredApprovals: 1,
    requireReason: true,
    requireEvidence: true,
    loggingRequired: "before/after + approver",
    reversible: true,
    rollbackPlan: "revert + audit note",
    rollbackByDelete: false,
    slaMinutes: 1440,
    conditions: [
      {
        name: "large-deal",
        when: "Amount >= 100000 or current.Amount >= 100000",
        requiredApprovals: 2,
      },
    ],
    constraints: [{ field: "Amount", min: 0, maxRelativeChange: 0.2 }],
  },
  ...(["quote.create", "order.create"] as const).map((actionType): TDefaultRule => ({
    actionType,
    mode: "human_only",
    approverRole: "deal_desk",
    requiredApprovals: 1,
    requireReason: true,
    requireEvidence: false,
    loggingRequired: "execution trace",
    reversible: false,
    rollbackPlan: "defined rollback in billing",
    rollbackByDelete: false,
    slaMinutes: 480,
    conditions: [],
    constraints: [],
  })),
];

export const WORKFLOWS = [
  {
    key: "lead-enrichment",
    name: "Lead enrichment",
    ownerKey: "ops",
    actionTypes: ["lead.create", "lead.enrich"],
    versions: [
      { version: 1, status: "retired", rolloutPercent: 100 },
      { version: 2, status: "published", rolloutPercent: 100 },
    ],
  },
  {
    key: "lead-routing",
    name: "Lead routing",
    ownerKey: "ops",
    actionTypes: ["lead.enrich", "lead.convert"],
    versions: [{ version: 1, status: "published", rolloutPercent: 100 }],
  },
  {
    key: "pipeline-hygiene",
    name: "Pipeline hygiene",
    ownerKey: "ops",
    actionTypes: [
      "opportunity.change_stage",
      "opportunity.change_amount_or_close_date",
      "opportunity.create",
    ],
    versions: [
      { version: 1, status: "retired", rolloutPercent: 100 },
      { version: 2, status: "published", rolloutPercent: 100 },
      { version: 3, status: "published", rolloutPercent: 25 },
    ],
  },
  {
    key: "quote-to-order",
    name: "Quote to order",
    ownerKey: "ops",
    actionTypes: ["quote.create", "order.create"],
    versions: [{ version: 1, status: "published", rolloutPercent: 100 }],
  },
] as const;

type TPhase = "observe" | "propose" | "execute";

export const AGENTS: {
  slug: string;
  name: string;
  description: string;
  ownerKey: string;
  workflow: string;
  phase: Record<"dev" | "staging" | "prod", TPhase>;
  callsPerMinute: number;
  writesPerHour: number;
}[] = [
  {
    slug: "lead-enrichment-bot",
    name: "Lead enrichment bot",
    description: "Creates leads from inbound signals and fills enrichment fields on Lead.",
    ownerKey: "ops",
    workflow: "lead-enrichment",
    phase: { dev: "execute", staging: "execute", prod: "execute" },
    callsPerMinute: 240,
    writesPerHour: 1200,
  },
  {
    slug: "lead-routing-bot",
    name: "Lead routing bot",
    description: "Assigns Lead owner and status; proposes lead conversions.",
    ownerKey: "ops",
    workflow: "lead-routing",
    phase: { dev: "execute", staging: "execute", prod: "execute" },
    callsPerMinute: 120,
    writesPerHour: 600,
  },
  {
    slug: "pipeline-hygiene-bot",
    name: "Pipeline hygiene bot",
    description:
      "Keeps Opportunity stage, next step, close date and amount current — subject to the matrix.",
    ownerKey: "aemanager",
    workflow: "pipeline-hygiene",
    phase: { dev: "execute", staging: "execute", prod: "execute" },
    callsPerMinute: 120,
    writesPerHour: 300,
  },
  {
    slug: "quote-assistant",
    name: "Quote assistant",
    description: "Drafts quotes and orders for deal desk.",
    ownerKey: "ops",
    workflow: "quote-to-order",
    phase: { dev: "execute", staging: "observe", prod: "propose" },
    callsPerMinute: 60,
    writesPerHour: 60,
  },
];

/** Permission sets per workflow domain; every agent gets its domain's set in each environment. */
export const PERMISSION_SETS: {
  slug: string;
  name: string;
  domain: string;
  agents: string[];
  grants: {
    object: string;
    operations: string[];
    writableFields: string[];
    recordCondition?: string;
    reason: string;
  }[];
}[] = [
  {
    slug: "lead-enrichment",
    name: "Lead enrichment",
    domain: "lead-enrichment",
    agents: ["lead-enrichment-bot"],
    grants: [
      {
        object: "Lead",
        operations: ["create"],
        writableFields: LEAD_DATA_FIELDS,
        reason: "Inbound lead capture",
      },
      {
        object: "Lead",
        operations: ["update"],
        writableFields: [
          "Title",
          "Phone",
          "Industry",
          "NumberOfEmployees",
          "AnnualRevenue",
          "Website",
          "Country",
        ],
        recordCondition: "IsConverted = false",
        reason: "Enrichment of open leads",
      },
    ],
  },
  {
    slug: "lead-routing",
    name: "Lead routing",
    domain: "lead-routing",
    agents: ["lead-routing-bot"],
    grants: [
      {
        object: "Lead",
        operations: ["update"],
        writableFields: ["OwnerId", "Status"],
        recordCondition: "IsConverted = false",
        reason: "Routing of open leads",
      },
      {
        object: "Lead",
        operations: ["convert"],
        writableFields: ["Status", "OwnerId"],
        recordCondition: "Status != 'Closed - Not Converted'",
        reason: "Conversion proposals",
      },
    ],
  },
  {
    slug: "pipeline-hygiene",
    name: "Pipeline hygiene",
    domain: "pipeline-hygiene",
    agents: ["pipeline-hygiene-bot"],
    grants: [
      {
        object: "Opportunity",
        operations: ["update"],
        writableFields: ["StageName", "NextStep", "CloseDate", "Amount"],
        recordCondition: "IsClosed = false and Amount < 500000",
        reason: "Hygiene on open pipeline below $500k",
      },
      {
        object: "Opportunity",
        operations: ["create"],
        writableFields: OPPORTUNITY_CREATE_FIELDS,
        reason: "Opportunities from qualified meetings",
      },
    ],
  },
  {
    slug: "quote-to-order",
    name: "Quote to order",
    domain: "quote-to-order",
    agents: ["quote-assistant"],
    grants: [
      {
        object: "Quote",
        operations: ["create"],
        writableFields: QUOTE_CREATE_FIELDS,
        reason: "Quote drafting",
      },
      {
        object: "Order",
        operations: ["create"],
        writableFields: ORDER_CREATE_FIELDS,
        reason: "Order drafting",
      },
    ],
  },
];

/** System of record per critical pipeline field (the seed's section 7). */
export const FIELD_OWNERSHIP: {
  object: string;
  field: string;
  systemOfRecord: string;
  allowedWriters: string[];
  conflictRule: "system_of_record_wins" | "last_write_wins" | "manual_review";
  freshnessSlaMinutes: number | null;
  ownerKey: string;
}[] = [
  {
    object: "Opportunity",
    field: "StageName",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans", "pipeline-hygiene-bot"],
    conflictRule: "manual_review",
    freshnessSlaMinutes: 60,
    ownerKey: "sysowner",
  },
  {
    object: "Opportunity",
    field: "Amount",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans", "pipeline-hygiene-bot"],
    conflictRule: "manual_review",
    freshnessSlaMinutes: 60,
    ownerKey: "sysowner",
  },
  {
    object: "Opportunity",
    field: "CloseDate",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans", "pipeline-hygiene-bot"],
    conflictRule: "manual_review",
    freshnessSlaMinutes: 240,
    ownerKey: "sysowner",
  },
  {
    object: "Opportunity",
    field: "OwnerId",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans"],
    conflictRule: "system_of_record_wins",
    freshnessSlaMinutes: null,
    ownerKey: "sysowner",
  },
  {
    object: "Opportunity",
    field: "LeadSource",
    systemOfRecord: "marketing_automation",
    allowedWriters: ["marketing-sync"],
    conflictRule: "system_of_record_wins",
    freshnessSlaMinutes: 1440,
    ownerKey: "risk",
  },
  {
    object: "Lead",
    field: "OwnerId",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans", "lead-routing-bot"],
    conflictRule: "last_write_wins",
    freshnessSlaMinutes: 15,
    ownerKey: "sysowner",
  },
  {
    object: "Lead",
    field: "Status",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans", "lead-routing-bot"],
    conflictRule: "last_write_wins",
    freshnessSlaMinutes: 15,
    ownerKey: "sysowner",
  },
  {
    object: "Lead",
    field: "LeadSource",
    systemOfRecord: "marketing_automation",
    allowedWriters: ["marketing-sync", "lead-enrichment-bot"],
    conflictRule: "system_of_record_wins",
    freshnessSlaMinutes: 1440,
    ownerKey: "risk",
  },
  {
    object: "Account",
    field: "AnnualRevenue",
    systemOfRecord: "billing",
    allowedWriters: ["billing-sync"],
    conflictRule: "system_of_record_wins",
    freshnessSlaMinutes: 1440,
    ownerKey: "risk",
  },
  {
    object: "Contact",
    field: "Email",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans", "lead-enrichment-bot"],
    conflictRule: "last_write_wins",
    freshnessSlaMinutes: null,
    ownerKey: "risk",
  },
];
