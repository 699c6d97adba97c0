import crypto from "node:crypto";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { canonicalJson } from "@/lib/audit/canonical-json";
import type { TActionRequestInput } from "./contract";
import { replay, type TCreated, type TIngest } from "./persist-action-request";
import { resolveTarget } from "./resolve-target";
import { earlyGates, policyInputBase } from "./early-gates";
import { readRecord } from "./read-record";
import { decideRequest } from "./decide-request";
import { persistAccepted } from "./accept-action-request";
import { refuse, refuseOverRate, refuseWith } from "./refuse-action-request";

/**
 * POST /action-requests (API.md), on a body parsed with ZActionRequestInput: replay or refuse a
 * reused idempotency key, read the record from Salesforce, ask the policy engine, then persist
 * the request, its field changes, the decision and its audit event in one statement. Refusals
 * are recorded too, then thrown as AppErrors with the refusal's code.
 */
export async function createActionRequest(
  agent: TAuthenticatedAgent,
  input: TActionRequestInput,
  requestId: string,
): Promise<TCreated> {
  const bodyHash = crypto.createHash("sha256").update(canonicalJson(input)).digest("hex");
  const ctx: TIngest = { agent, input, bodyHash, requestId };

  const existing = await replay(agent.id, input.idempotencyKey, bodyHash);
  if (existing) return existing;

  // 1. resolve target: action type, workflow, pinned version
  const target = await resolveTarget(input);
  const actionTypeId = target.actionType.id;

  // 2. early gates: rates counted, then what needs no record
  const now = new Date();
  const { base, overRate } = await policyInputBase(agent, input, target, now);
  const gate = earlyGates(base, target, overRate);
  const provisionalId = gate.provisional?.id ?? null;
  if (gate.kind === "over_rate") return refuseOverRate(ctx, gate.denial, now);
  if (gate.kind === "refused") return refuse(ctx, gate.decision, provisionalId, actionTypeId, null);

  // 3. read record: field types, then the record from Salesforce
  const record = await readRecord(agent, input, target.actionType.operation);
  if (record.kind === "not_found") {
    return refuseWith(ctx, record.refusal, provisionalId, actionTypeId, null, record.reasons);
  }

  // 4. decide: workflow version, policy engine
  const decided = decideRequest(base, target, input, record.current);
  if (decided.decision.denial) {
    return refuse(ctx, decided.decision, decided.version.id, actionTypeId, decided.before);
  }

  // 5. persist: one statement, then the job
  return persistAccepted(ctx, target, decided, record, now);
}
