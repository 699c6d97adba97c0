/**
 * Policy engine throughput on one core: a realistic matrix (≥ 50 rules with conditions and
 * constraints) and an agent with ≥ 20 grants with record conditions.
 *   npm run bench:policy [-- --n 300000]
 */
import { parseArgs } from "node:util";
import {
  evaluatePolicy,
  type TPolicyGrant,
  type TPolicyInput,
  type TPolicyRule,
} from "@/lib/policy";
import { DEFAULT_MATRIX, FIELD_OWNERSHIP } from "@/lib/seed/demo-fixtures";

const { values } = parseArgs({ options: { n: { type: "string", default: "300000" } } });
const N = Number(values.n);
const now = new Date("2026-11-23T15:00:00Z");
const OBJECTS = ["Opportunity", "Lead", "Account", "Contact", "Quote", "Order"];

// 56 rules: the seed's 8 plus 48 variants on six objects, each with a raising condition and constraints
const rules = new Map<string, TPolicyRule>();
const actionTypes = new Map<
  string,
  { key: string; object: string; operation: string; fields: string[] }
>();
for (const r of DEFAULT_MATRIX) {
  rules.set(r.actionType, {
    ...r,
    conditions: r.conditions,
    constraints: r.constraints,
  } as TPolicyRule);
}
for (let i = 0; i < 48; i++) {
  const object = OBJECTS[i % OBJECTS.length];
  const key = `${object.toLowerCase()}.custom_${i}`;
  actionTypes.set(key, {
    key,
    object,
    operation: "update",
    fields: ["StageName", "Amount", "NextStep", "Status", "Description"],
  });
  rules.set(key, {
    actionType: key,
    mode: i % 3 === 0 ? "auto" : "human_in_the_loop",
    approverRole: i % 3 === 0 ? null : "sales_ops",
    requiredApprovals: 1,
    requireReason: true,
    requireEvidence: i % 2 === 0,
    reversible: true,
    slaMinutes: 240,
    conditions: [
      {
        name: "big",
        when: "Amount >= 100000 or current.Amount >= 100000",
        approverRole: "deal_desk",
        requiredApprovals: 2,
      },
      {
        name: "late",
        when: "StageName in ('Negotiation/Review','Closed Won')",
        mode: "human_only",
      },
    ],
    constraints: [{ field: "Amount", min: 0, maxRelativeChange: 0.25 }],
  });
}
actionTypes.set("opportunity.change_stage", {
  key: "opportunity.change_stage",
  object: "Opportunity",
  operation: "update",
  fields: ["StageName", "NextStep"],
});
actionTypes.set("opportunity.change_amount_or_close_date", {
  key: "opportunity.change_amount_or_close_date",
  object: "Opportunity",
  operation: "update",
  fields: ["Amount", "CloseDate"],
});

// 24 grants, most with record conditions; the matching one is in the middle
const grants: TPolicyGrant[] = Array.from({ length: 24 }, (_, i) => ({
  id: `g${i}`,
  label: `Set ${i}`,
  object: OBJECTS[i % OBJECTS.length],
  operations: ["update"],
  writableFields:
    i === 12 ? ["StageName", "NextStep", "Amount", "CloseDate"] : ["Description", "NextStep"],
  recordCondition:
    i % 4 === 3
      ? null
      : `IsClosed = false and Amount < ${100000 + i * 10000} and StageName not in ('Closed Won','Closed Lost')`,
  validFrom: new Date("2026-01-01"),
  validUntil: i % 5 === 0 ? new Date("2027-01-01") : null,
}));

const stages = ["Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review"];
function input(i: number): TPolicyInput {
  const amount = 20_000 + (i % 50) * 1_000;
  const stageChange = i % 3 !== 0;
  const key = stageChange ? "opportunity.change_stage" : "opportunity.change_amount_or_close_date";
  return {
    agent: {
      id: "a1",
      slug: "pipeline-hygiene-bot",
      status: "active",
      phase: "execute",
      environmentId: "prod",
    },
    request: {
      actionType: key,
      object: "Opportunity",
      operation: "update",
      recordId: "006000000000001AAA",
      changes: stageChange
        ? { StageName: stages[i % 4] }
        : { Amount: Math.round(amount * (i % 7 === 0 ? 1.5 : 1.1)) },
      reason: { code: "MEETING_HELD" },
      evidence: [{ type: "call_summary", ref: "gong:1" }],
    },
    current: {
      Id: "006000000000001AAA",
      StageName: stages[(i + 1) % 4],
      Amount: amount,
      IsClosed: false,
      AccountId: "001x",
    },
    actionType: actionTypes.get(key)!,
    grants,
    rule: rules.get(key)!,
    workflow: {
      key: "pipeline-hygiene",
      version: 3,
      status: "published",
      actionTypes: ["opportunity.change_stage", "opportunity.change_amount_or_close_date"],
      changeWindows: [],
    },
    fieldOwnership: FIELD_OWNERSHIP,
    killSwitches: [
      { scope: "agent", engaged: true, agentId: "other" },
      { scope: "environment", engaged: true, environmentId: "staging" },
    ],
    rateLimit: {
      callsPerMinute: { used: 10, limit: 120 },
      writesPerHour: { used: 50, limit: 300 },
    },
    now,
  };
}

const inputs = Array.from({ length: 1000 }, (_, i) => input(i));
const outcomes: Record<string, number> = {};
for (let i = 0; i < 20_000; i++) evaluatePolicy(inputs[i % 1000]); // warm-up
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  const d = evaluatePolicy(inputs[i % 1000]);
  if (i < 1000)
    outcomes[d.denial?.code ?? d.outcome] = (outcomes[d.denial?.code ?? d.outcome] ?? 0) + 1;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const samples: number[] = [];
for (let i = 0; i < 100_000; i++) {
  const s = process.hrtime.bigint();
  evaluatePolicy(inputs[i % 1000]);
  samples.push(Number(process.hrtime.bigint() - s));
}
samples.sort((a, b) => a - b);
console.log(
  `policy engine: ${rules.size} rules, ${grants.length} grants, ${FIELD_OWNERSHIP.length} ownership rows, one core`,
);
console.log(
  `throughput: ${Math.round(N / secs).toLocaleString("en-US")} decisions/s (${N.toLocaleString("en-US")} in ${secs.toFixed(2)} s)`,
);
console.log(
  `latency: median ${(samples[50_000] / 1000).toFixed(2)} µs, p99 ${(samples[99_000] / 1000).toFixed(2)} µs`,
);
console.log(`decision mix (first 1000): ${JSON.stringify(outcomes)}`);
