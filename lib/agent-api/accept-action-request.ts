import { prefixedId } from "@/lib/core/ids";
import { JOBS } from "@/lib/jobs/registry";
import { announceJobs } from "@/lib/jobs/wake";
import { riskScore } from "@/lib/policy/risk";
import { effectiveSlaMinutes } from "@/lib/policy/sla";
import { policyConfig } from "./policy-context";
import type { TDecided } from "./decide-request";
import { insertRequest, type TCreated, type TIngest } from "./persist-action-request";
import type { TRecordRead } from "./read-record";
import { readRecordSummary, summaryFromValues } from "./record-summary";
import { renderActionRequest } from "@/lib/action-requests/response";
import type { TTarget } from "./resolve-target";

const DAY_MS = 86_400_000;
/** A request nobody decides within this time expires (never auto-approves). */
const DEFAULT_EXPIRY_MS = 3 * DAY_MS;

/**
 * Step 5: the request, its field changes, the decision, its audit event and (auto-approved) its
 * execution job in one statement; the workers are woken once that commits.
 */
export async function persistAccepted(
  ctx: TIngest,
  target: TTarget,
  { decision, version, before }: TDecided,
  record: Extract<TRecordRead, { kind: "read" }>,
  now: Date,
): Promise<TCreated> {
  const { agent, input, bodyHash, requestId } = ctx;
  const { current, sf } = record;
  const recordId = input.target.recordId ?? null;
  const id = prefixedId("ar");
  const waits = decision.outcome === "pending_approval" || decision.outcome === "draft";
  const slaMinutes = effectiveSlaMinutes(decision, waits, (await policyConfig()).groupSla);
  const slaDueAt = slaMinutes ? new Date(now.getTime() + slaMinutes * 60_000) : null;
  // the inbox names the record from this snapshot; parent names (account, owner) cost one more
  // query, spent only on work a person will look at, and never failing the request
  const recordSummary =
    (sf && current && recordId && waits
      ? await readRecordSummary(sf, input.target.object, recordId).catch(() => null)
      : null) ?? summaryFromValues(input.target.object, current ?? input.changes);
  const replayed = await insertRequest(
    {
      id,
      agent,
      input,
      bodyHash,
      workflowVersionId: version.id,
      actionTypeId: target.actionType.id,
      accountId: (current?.AccountId as string | undefined) ?? null,
      recordSummary,
      status: decision.outcome,
      decision,
      before,
      slaDueAt,
      expiresAt: waits ? new Date(now.getTime() + DEFAULT_EXPIRY_MS) : null,
      enqueue: decision.outcome === "auto_approved",
      riskScore: riskScore({
        mode: decision.mode,
        rule: decision.rule,
        requiredApprovals: decision.requiredApprovals,
        actionType: input.actionType,
        environmentSlug: agent.environmentSlug,
      }),
      now,
    },
    {
      action: "action_request.created",
      source: {
        workflow: target.workflow.key,
        version: version.version,
        actionType: input.actionType,
      },
      payload: {
        status: decision.outcome,
        rule: decision.rule,
        mode: decision.mode,
        approverRole: decision.approverRole,
        changes: input.changes,
        before,
        requestId,
      },
    },
  );
  if (replayed) return replayed;
  // its job committed with it (insertRequest): wake the workers
  if (decision.outcome === "auto_approved") announceJobs(JOBS.execute.queue);
  const rendered = renderActionRequest(
    {
      id,
      status: decision.outcome,
      decisionOutcome: decision.outcome,
      decisionMode: decision.mode,
      approverRole: decision.approverRole,
      requiredApprovals: decision.requiredApprovals,
      decisionRule: decision.rule,
      decisionReasons: decision.reasons,
      before,
      attempts: 0,
      lastErrorClass: null,
      lastErrorCode: null,
      lastErrorMessage: null,
      resultRecordId: null,
      after: null,
      workflowVersion: { version: version.version, workflow: { key: target.workflow.key } },
    },
    true,
  );
  return { actionRequest: rendered, replayed: false };
}
