import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { riskScore } from "@/lib/policy/risk";
import { writeAuditEvent } from "@/lib/audit";
import { prefixedId } from "@/lib/core/ids";
import { backoffDelay, DEFAULT_RETRY_POLICY } from "@/lib/execution/retry-policy";
import { DEFAULT_MATRIX, LATE_STAGES, type TActionTypeKey } from "./demo-fixtures";
import { demoCrm, type TDemoLead, type TDemoOpportunity } from "./demo-crm";
import { summaryFromValues, type TRecordSummary } from "@/lib/agent-api/record-summary";
import { makeRng, type TRng } from "@/lib/core/prng";
import type { TSeedContext } from "./seed-context";

const DAY = 86_400_000;
const MIN = 60_000;

type TStatus =
  | "observed"
  | "denied"
  | "pending_approval"
  | "draft"
  | "approved"
  | "auto_approved"
  | "executing"
  | "succeeded"
  | "failed"
  | "retrying"
  | "dead_lettered"
  | "reverted"
  | "expired"
  | "discarded";

type TPlan = {
  agentKey: string;
  actionType: TActionTypeKey;
  object: string;
  recordId: string | null;
  accountId: string | null;
  changes: Record<string, unknown>;
  before: Record<string, unknown> | null;
  reason: { code: string; text: string };
  evidence: { type: string; ref: string }[];
};

const STAGE_ORDER = [
  "Prospecting",
  "Qualification",
  "Needs Analysis",
  "Value Proposition",
  "Id. Decision Makers",
  "Perception Analysis",
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
];

const rule = (key: TActionTypeKey) => DEFAULT_MATRIX.find((r) => r.actionType === key)!;

/**
 * What ingest would have snapshotted for the inbox (record-summary.ts): the record as the demo
 * CRM has it, or for a create the proposed values with the account's name.
 */
function summaryOf(plan: TPlan): TRecordSummary | null {
  const crm = demoCrm();
  const name = (id: unknown) => (typeof id === "string" ? (crm.names.get(id) ?? null) : null);
  if (plan.object === "Lead" && plan.recordId) {
    const lead = crm.leads.find((l) => l.Id === plan.recordId);
    if (lead)
      return {
        name: [lead.FirstName, lead.LastName].filter(Boolean).join(" "),
        account: lead.Company,
        amount: null,
        stage: lead.Status,
        owner: name(lead.OwnerId),
      };
  }
  if (plan.object === "Opportunity" && plan.recordId) {
    const opp = crm.opportunities.find((o) => o.Id === plan.recordId);
    if (opp)
      return {
        name: opp.Name,
        account: name(opp.AccountId),
        amount: opp.Amount,
        stage: opp.StageName,
        owner: name(opp.OwnerId),
      };
  }
  const proposed = summaryFromValues(plan.object, plan.changes);
  return proposed && { ...proposed, account: proposed.account ?? name(plan.accountId) };
}

function nextStage(o: TDemoOpportunity) {
  const i = STAGE_ORDER.indexOf(o.StageName);
  return STAGE_ORDER[Math.min(i + 1, STAGE_ORDER.length - 1)] ?? "Qualification";
}

/** What an agent of each kind plausibly asked for on a given day. */
function planFor(rng: TRng, agentSlug: string, env: string): TPlan {
  const crm = demoCrm();
  const agentKey = `${env}/${agentSlug}`;
  const ev = (type: string, ref: string) => [{ type, ref }];
  type TAsk = Pick<TPlan, "actionType" | "changes" | "reason" | "evidence">;
  const create = (object: string, accountId: string | null, ask: TAsk): TPlan => ({
    agentKey,
    object,
    recordId: null,
    accountId,
    before: null,
    ...ask,
  });
  // An update's `before` is what the record holds in the fields it changes, as ingest reads it.
  const update = (
    object: string,
    record: TDemoLead | TDemoOpportunity,
    accountId: string | null,
    ask: TAsk,
  ): TPlan => ({
    agentKey,
    object,
    recordId: record.Id,
    accountId,
    before: Object.fromEntries(
      Object.keys(ask.changes).map((k) => [k, (record as Record<string, unknown>)[k]]),
    ),
    ...ask,
  });
  if (agentSlug === "lead-enrichment-bot") {
    const lead = rng.pick(crm.leads);
    if (rng.chance(0.35)) {
      return create("Lead", null, {
        actionType: "lead.create",
        changes: {
          FirstName: lead.FirstName,
          LastName: lead.LastName,
          Company: lead.Company,
          Email: lead.Email,
          LeadSource: "Web",
        },
        reason: { code: "INBOUND_FORM", text: `Demo request form from ${lead.Company}` },
        evidence: ev("form_submission", `hubspot:form/${rng.int(10000, 99999)}`),
      });
    }
    const title = rng.pick([
      "VP Revenue Operations",
      "Director of Sales",
      "Head of Growth",
      "CRO",
      "RevOps Manager",
    ]);
    return update("Lead", lead, null, {
      actionType: "lead.enrich",
      changes: {
        Title: title,
        Industry: rng.pick(["Technology", "Finance", "Healthcare", "Manufacturing", "Retail"]),
      },
      reason: { code: "ENRICHMENT_MATCH", text: `Firmographic match for ${lead.Company}` },
      evidence: ev("enrichment", `clearbit:person/${lead.Id}`),
    });
  }
  if (agentSlug === "lead-routing-bot") {
    const lead = rng.pick(crm.leads);
    if (rng.chance(0.3)) {
      return update("Lead", lead, null, {
        actionType: "lead.convert",
        changes: { Status: "Closed - Converted" },
        reason: { code: "MEETING_BOOKED", text: `First meeting booked with ${lead.Company}` },
        evidence: ev("calendar_event", `gcal:event/${rng.int(100000, 999999)}`),
      });
    }
    const owner = rng.pick(crm.users);
    return update("Lead", lead, null, {
      actionType: "lead.enrich",
      changes: { OwnerId: owner, Status: "Working - Contacted" },
      reason: {
        code: "TERRITORY_MATCH",
        text: `Territory rule matched ${lead.Country ?? "region"}`,
      },
      evidence: ev("routing_rule", `tollgate:routing/${rng.int(1, 40)}`),
    });
  }
  if (agentSlug === "pipeline-hygiene-bot") {
    const opp = rng.pick(crm.opportunities.filter((o) => !o.IsClosed));
    const roll = rng.next();
    if (roll < 0.6) {
      return update("Opportunity", opp, opp.AccountId, {
        actionType: "opportunity.change_stage",
        changes: { StageName: nextStage(opp) },
        reason: { code: "MEETING_HELD", text: "Call summary shows the buyer moved forward" },
        evidence: ev("call_summary", `gong:call/${rng.int(1000, 9999)}`),
      });
    }
    if (roll < 0.85) {
      const amount = Math.round((opp.Amount ?? 20000) * (1 + (rng.next() - 0.5) * 0.3));
      return update("Opportunity", opp, opp.AccountId, {
        actionType: "opportunity.change_amount_or_close_date",
        changes: { Amount: amount },
        reason: { code: "PRICING_UPDATED", text: "Seat count changed in the latest proposal" },
        evidence: ev("email_thread", `gmail:thread/${rng.int(100000, 999999)}`),
      });
    }
    const account = rng.pick(crm.accounts);
    return create("Opportunity", account, {
      actionType: "opportunity.create",
      changes: {
        Name: `Expansion ${rng.int(2027, 2028)}`,
        AccountId: account,
        StageName: "Qualification",
        CloseDate: "2027-03-31",
        Amount: rng.int(10, 120) * 1000,
      },
      reason: { code: "MEETING_HELD", text: "Discovery call confirmed budget and timeline" },
      evidence: ev("call_summary", `gong:call/${rng.int(1000, 9999)}`),
    });
  }
  const opp = rng.pick(crm.opportunities.filter((o) => LATE_STAGES.includes(o.StageName)));
  return create("Quote", opp.AccountId, {
    actionType: "quote.create",
    changes: { Name: `Quote for ${opp.Name}`, OpportunityId: opp.Id, Status: "Draft" },
    reason: { code: "QUOTE_REQUESTED", text: "Buyer asked for a formal quote" },
    evidence: ev("email_thread", `gmail:thread/${rng.int(100000, 999999)}`),
  });
}

/** The fate of a request of a given mode, weighted like a real month of operations. */
function fateFor(rng: TRng, mode: string, phase: string, ageDays: number): TStatus {
  if (phase === "observe") return "observed";
  const r = rng.next();
  const recent = ageDays < 2;
  if (mode === "auto" && phase === "execute") {
    if (r < 0.82) return "succeeded";
    if (r < 0.87) return "reverted";
    if (r < 0.91) return "failed";
    if (r < 0.94) return "dead_lettered";
    if (recent && r < 0.97) return "retrying";
    return "succeeded";
  }
  if (mode === "human_only") {
    if (recent && r < 0.5) return "draft";
    if (r < 0.65) return "succeeded";
    if (r < 0.8) return "discarded";
    if (r < 0.88) return "reverted";
    return recent ? "draft" : "expired";
  }
  if (recent && r < 0.55) return "pending_approval";
  if (r < 0.62) return "succeeded";
  if (r < 0.77) return "denied";
  if (r < 0.84) return "reverted";
  if (r < 0.88) return "failed";
  if (r < 0.91) return "dead_lettered";
  if (recent && r < 0.95) return "approved";
  return ageDays > 3 ? "expired" : "pending_approval";
}

/** A seeded write failure as the connector reports it (lib/connectors/salesforce/errors.ts). */
function seededFailure(errorClass: string, object: string) {
  if (errorClass === "validation") {
    const message =
      object === "Opportunity"
        ? "Close Date cannot be in the past while the opportunity is open"
        : object === "Quote"
          ? "The opportunity has no price book: choose one before quoting"
          : "Email or Phone is required on leads an integration writes";
    return { errorClass, code: "FIELD_CUSTOM_VALIDATION_EXCEPTION", status: 400, message };
  }
  if (errorClass === "permission") {
    return {
      errorClass,
      code: "INSUFFICIENT_ACCESS_OR_READONLY",
      status: 403,
      message: "insufficient access rights on object id",
    };
  }
  if (errorClass === "timeout") {
    const message = "Salesforce did not answer in time";
    return { errorClass, code: "TIMEOUT", status: undefined, message };
  }
  return { errorClass, code: "ERROR_HTTP_503", status: 503, message: "Service Unavailable" };
}

/** The REST calls one seeded try made, shaped like the connector's call log. */
function seededCalls(
  plan: TPlan,
  startedAt: Date,
  writeMs: number,
  failure: ReturnType<typeof seededFailure> | null,
  resultRecordId: string | null,
) {
  const base = `/services/data/v62.0/sobjects/${plan.object}`;
  const fields = encodeURIComponent(
    [...Object.keys(plan.changes), "Id", "LastModifiedDate"].join(","),
  );
  const readMs = 40 + (writeMs % 90);
  let t = startedAt.getTime();
  const call = (op: string, method: string, path: string, ms: number, status: number) => {
    const at = new Date(t).toISOString();
    t += ms;
    return { op, method, path, ms, ok: true, status, at };
  };
  const calls = [];
  if (plan.recordId)
    calls.push(call("read", "GET", `${base}/${plan.recordId}?fields=${fields}`, readMs, 200));
  const write = plan.recordId
    ? call("update", "PATCH", `${base}/${plan.recordId}`, writeMs, 204)
    : call("create", "POST", base, writeMs, 201);
  if (failure) {
    const { errorClass, code, status } = failure;
    calls.push({ ...write, ok: false, status, errorClass, code });
    return calls;
  }
  calls.push(write);
  const readBack = plan.recordId ?? resultRecordId;
  if (readBack)
    calls.push(call("read", "GET", `${base}/${readBack}?fields=${fields}`, readMs, 200));
  return calls;
}

/** About 30 days of action requests across every state, with their approvals, runs and audit. */
export async function seedHistory(tx: Tx, ctx: TSeedContext, now: Date): Promise<number> {
  const rng = makeRng(20261123);
  const approversByGroup: Record<string, string[]> = {
    revops_oncall: [ctx.users.oncall, ctx.users.approver],
    sales_ops: [ctx.users.salesops, ctx.users.approver],
    deal_desk: [ctx.users.dealdesk, ctx.users.approver],
    ae_manager: [ctx.users.aemanager],
  };
  const perDay: [string, string, number][] = [
    ["prod", "lead-enrichment-bot", 4],
    ["prod", "lead-routing-bot", 3],
    ["prod", "pipeline-hygiene-bot", 4],
    ["prod", "quote-assistant", 1],
    ["staging", "pipeline-hygiene-bot", 1],
    ["staging", "quote-assistant", 1],
  ];
  let count = 0;
  for (let day = 29; day >= 0; day--) {
    for (const [env, slug, n] of perDay) {
      const times = rng.int(Math.max(0, n - 1), n + 1);
      for (let i = 0; i < times; i++) {
        const createdAt = new Date(now.getTime() - day * DAY - rng.int(5, 23 * 60) * MIN);
        if (createdAt > now) continue;
        await seedOneRequest(
          tx,
          ctx,
          rng,
          planFor(rng, slug, env),
          createdAt,
          now,
          approversByGroup,
        );
        count++;
      }
    }
  }
  return count;
}

async function seedOneRequest(
  tx: Tx,
  ctx: TSeedContext,
  rng: TRng,
  plan: TPlan,
  createdAt: Date,
  now: Date,
  approversByGroup: Record<string, string[]>,
) {
  const agent = ctx.agents[plan.agentKey];
  const r = rule(plan.actionType);
  const versions = ctx.workflowVersions[agent.workflow].filter(
    (v) => v.status !== "retired" || createdAt.getTime() < now.getTime() - 20 * DAY,
  );
  const wv = versions.length > 1 && rng.chance(0.25) ? versions[versions.length - 1] : versions[0];
  const late =
    plan.actionType === "opportunity.change_stage" &&
    (LATE_STAGES.includes(String(plan.changes.StageName)) ||
      LATE_STAGES.includes(String(plan.before?.StageName)));
  const mode = agent.phase === "propose" && r.mode === "auto" ? "human_in_the_loop" : r.mode;
  const approverRole = late ? "deal_desk" : r.approverRole;
  const ageDays = (now.getTime() - createdAt.getTime()) / DAY;
  // what ingest decided; `status` is where the request ended up after that
  const outcome =
    agent.phase === "observe"
      ? "observed"
      : mode === "auto"
        ? "auto_approved"
        : mode === "human_only"
          ? "draft"
          : "pending_approval";
  const status = fateFor(rng, mode, agent.phase, ageDays);
  const id = prefixedId("ar");
  const decidedAt = new Date(
    createdAt.getTime() + rng.int(4, approverRole === "deal_desk" ? 600 : 200) * MIN,
  );
  const finishedAt = new Date(decidedAt.getTime() + rng.int(1, 30) * 1000);
  const decided = !["observed", "pending_approval", "draft", "expired"].includes(status);
  const executed = ["succeeded", "failed", "retrying", "dead_lettered", "reverted"].includes(
    status,
  );
  const slaDueAt = r.slaMinutes ? new Date(createdAt.getTime() + r.slaMinutes * MIN) : null;
  const errorClass =
    status === "dead_lettered"
      ? rng.pick(["validation", "permission", "timeout"])
      : status === "failed"
        ? "validation"
        : status === "retrying"
          ? "unavailable"
          : null;
  const resultRecordId =
    plan.recordId ?? (plan.object === "Lead" ? rng.pick(demoCrm().leads).Id : null);
  const failure = errorClass ? seededFailure(errorClass, plan.object) : null;
  // a timeout is retried as the default policy says; the other failures stop after one try
  const tries = errorClass === "timeout" ? DEFAULT_RETRY_POLICY.timeout.maxAttempts : 1;
  const source = { workflow: agent.workflow, version: wv.version };

  await tx.actionRequest.create({
    data: {
      id,
      agentId: agent.id,
      environmentId: ctx.envs[agent.env],
      workflowVersionId: wv.id,
      actionTypeId: ctx.actionTypes[plan.actionType],
      idempotencyKey: `${plan.actionType}-${plan.recordId ?? "new"}-${createdAt.getTime()}`,
      bodyHash: id,
      object: plan.object,
      recordId: plan.recordId,
      accountId: plan.accountId,
      recordSummary: summaryOf(plan) ?? Prisma.DbNull,
      status,
      decisionOutcome: outcome,
      decisionMode: mode,
      decisionRule: `${plan.actionType}/${late ? "late-stage" : "default"}`,
      decisionReasons: [
        mode === "auto"
          ? "Matrix: auto-approve"
          : `Matrix: ${mode.replaceAll("_", " ")} by ${approverRole}`,
      ],
      approverRole: mode === "auto" ? null : approverRole,
      requiredApprovals: mode === "auto" ? 0 : r.requiredApprovals,
      riskScore: riskScore({
        mode,
        rule: `${plan.actionType}/${late ? "late-stage" : "default"}`,
        requiredApprovals: mode === "auto" ? 0 : r.requiredApprovals,
        actionType: plan.actionType,
        environmentSlug: agent.env,
      }),
      reasonCode: plan.reason.code,
      reasonText: plan.reason.text,
      evidence: plan.evidence as Prisma.InputJsonValue,
      before: (plan.before ?? Prisma.DbNull) as Prisma.InputJsonValue,
      createdAt,
      updatedAt: decided ? finishedAt : createdAt,
      decidedAt: decided ? decidedAt : status === "expired" ? slaDueAt : null,
      slaDueAt,
      expiresAt: new Date(createdAt.getTime() + 3 * DAY),
      executedAt: executed ? decidedAt : null,
      completedAt: ["succeeded", "reverted", "dead_lettered", "failed"].includes(status)
        ? finishedAt
        : null,
      attempts: executed ? tries : 0,
      lastErrorClass: errorClass,
      lastErrorCode: failure?.code ?? null,
      lastErrorMessage: failure?.message ?? null,
      resultRecordId: status === "succeeded" || status === "reverted" ? resultRecordId : null,
      after:
        status === "succeeded" || status === "reverted"
          ? (plan.changes as Prisma.InputJsonValue)
          : Prisma.DbNull,
      fieldChanges: {
        create: Object.entries(plan.changes).map(([field, newValue]) => ({
          field,
          oldValue: (plan.before?.[field] ?? Prisma.DbNull) as Prisma.InputJsonValue,
          newValue: newValue as Prisma.InputJsonValue,
          appliedValue:
            status === "succeeded" || status === "reverted"
              ? (newValue as Prisma.InputJsonValue)
              : Prisma.DbNull,
          revertedAt:
            status === "reverted"
              ? new Date(finishedAt.getTime() + rng.int(1, 48) * 60 * MIN)
              : null,
        })),
      },
    },
  });

  const agentActor = { type: "agent" as const, agentId: agent.id };
  const common = {
    environmentId: ctx.envs[agent.env],
    object: plan.object,
    recordId: plan.recordId,
    source,
  };
  await writeAuditEvent(tx, {
    ...common,
    actor: agentActor,
    action: "action_request.created",
    subjectId: id,
    reasonCode: plan.reason.code,
    reasonText: plan.reason.text,
    evidence: plan.evidence,
    payload: {
      actionType: plan.actionType,
      status: outcome,
      changes: plan.changes,
    },
    at: createdAt,
  });

  if (decided && mode !== "auto") {
    const pool = approversByGroup[approverRole ?? "sales_ops"] ?? [ctx.users.approver];
    const approverId = rng.pick(pool);
    const denied = status === "denied" || status === "discarded";
    await tx.approval.create({
      data: {
        actionRequestId: id,
        approverId,
        decision: denied ? "denied" : "approved",
        reason: denied
          ? rng.pick([
              "Evidence does not support the stage",
              "Duplicate of an existing record",
              "Buyer has not confirmed",
              "Amount change needs the AE",
            ])
          : null,
        groupKey: approverRole,
        createdAt: decidedAt,
      },
    });
    await writeAuditEvent(tx, {
      ...common,
      actor: { type: "user", userId: approverId },
      action: denied ? "approval.denied" : "approval.approved",
      subjectId: id,
      payload: { group: approverRole },
      at: decidedAt,
    });
  }

  if (executed) {
    const ok = status === "succeeded" || status === "reverted";
    // drawn for five tries whatever the policy allows, so the rest of the seeded month (which
    // the specs look at) does not move when the retry policy changes
    const draws = Array.from({ length: errorClass === "timeout" ? 5 : 1 }, () => ({
      runMs: rng.int(120, 900),
      callMs: rng.int(80, 600),
    }));
    let endedAt = finishedAt;
    let startedAt = decidedAt;
    for (let n = 1; n <= tries; n++) {
      const { runMs, callMs } = draws[(n - 1) % draws.length];
      // a timed-out call waited the connector's whole per-call timeout
      const writeMs = errorClass === "timeout" ? 15_000 + callMs : callMs;
      const attemptEnd = new Date(startedAt.getTime() + writeMs + runMs);
      await tx.executionAttempt.create({
        data: {
          actionRequestId: id,
          attemptNumber: n,
          workerId: "worker-seed",
          startedAt,
          finishedAt: attemptEnd,
          outcome: ok ? "succeeded" : "failed",
          errorClass: failure?.errorClass ?? null,
          errorCode: failure?.code ?? null,
          errorMessage: failure?.message ?? null,
          connectorCalls: seededCalls(plan, startedAt, writeMs, failure, resultRecordId),
        },
      });
      if (attemptEnd > endedAt) endedAt = attemptEnd;
      startedAt = new Date(attemptEnd.getTime() + backoffDelay(DEFAULT_RETRY_POLICY.timeout, n));
    }
    if (endedAt > finishedAt && !ok) {
      await tx.actionRequest.update({
        where: { id },
        data: { completedAt: endedAt, updatedAt: endedAt },
      });
    }
    await writeAuditEvent(tx, {
      ...common,
      actor: { type: "system" },
      action: ok
        ? "execution.succeeded"
        : status === "retrying"
          ? "execution.retry_scheduled"
          : status === "dead_lettered"
            ? "execution.dead_lettered"
            : "execution.failed",
      subjectId: id,
      reasonText: failure?.message ?? null,
      payload: { attempts: tries, errorClass, code: failure?.code ?? null },
      at: endedAt,
    });
    if (ok) {
      for (const [field, newValue] of Object.entries(plan.changes)) {
        await writeAuditEvent(tx, {
          ...common,
          recordId: plan.recordId ?? resultRecordId,
          actor: agentActor,
          action: "field.changed",
          payload: {},
          subjectId: id,
          field,
          oldValue: plan.before?.[field] ?? null,
          newValue,
          reasonCode: plan.reason.code,
          reasonText: plan.reason.text,
          evidence: plan.evidence,
          at: finishedAt,
        });
      }
    }
    if (status === "dead_lettered") {
      await tx.deadLetter.create({
        data: {
          actionRequestId: id,
          errorClass: failure!.errorClass,
          errorCode: failure!.code,
          errorMessage: failure!.message,
          createdAt: endedAt,
        },
      });
    }
    if (status === "reverted") {
      const at = new Date(finishedAt.getTime() + rng.int(1, 48) * 60 * MIN);
      const by = rng.pick([ctx.users.ops, ctx.users.aemanager, ctx.users.approver]);
      await tx.reversal.create({
        data: {
          actionRequestId: id,
          requestedById: by,
          reason: "Rep disputed the change",
          status: "succeeded",
          createdAt: at,
          completedAt: at,
          detail: { restored: plan.before } as Prisma.InputJsonValue,
        },
      });
      for (const [field, newValue] of Object.entries(plan.changes)) {
        await writeAuditEvent(tx, {
          ...common,
          actor: { type: "user", userId: by },
          action: "field.reverted",
          payload: {},
          subjectId: id,
          field,
          oldValue: newValue,
          newValue: plan.before?.[field] ?? null,
          reasonText: "Rep disputed the change",
          at,
        });
      }
    }
  }
}
