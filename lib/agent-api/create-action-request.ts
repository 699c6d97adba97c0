import crypto from "node:crypto";
import { AppError } from "@/lib/core/errors";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { canonicalJson } from "@/lib/audit/canonical-json";
import type { TActionRequestInput } from "./contract";
import { replay, type TCreated, type TIngest } from "./persist-action-request";
import { resolveTarget, type TTarget } from "./resolve-target";
import { earlyGates, ingestWindows, policyInputBase } from "./early-gates";
import { admitCall, noGiveBack, type TRateResult } from "@/lib/guardrails/rate-limit";
import { readRecord } from "./read-record";
import { decideRequest } from "./decide-request";
import { persistAccepted } from "./accept-action-request";
import { isStoredRefusal, refuse, refuseOverRate, refuseWith } from "./refuse-action-request";

/**
 * POST /action-requests (API.md), on a body parsed with ZActionRequestInput: replay or refuse a
 * reused idempotency key, read the record from Salesforce, ask the policy engine, then persist
 * the request, its field changes, the decision and its audit event in one statement. Refusals
 * are recorded too, then thrown as AppErrors with the refusal's code. A new request costs at
 * most two SQL statements (the admission — shared by concurrent calls, and skipped for a fast
 * agent's calls counted ahead, rate-limit.ts — and the insert, which also queues an
 * auto-approved request's job) plus its share of a throttled job wake-up; everything else comes
 * from caches of at most 1 s (policy-context.ts, api-keys.ts).
 */
export async function createActionRequest(
  agent: TAuthenticatedAgent,
  input: TActionRequestInput,
  requestId: string,
): Promise<TCreated> {
  const bodyHash = crypto.createHash("sha256").update(canonicalJson(input)).digest("hex");
  const ctx: TIngest = { agent, input, bodyHash, requestId };

  // 1. resolve target: action type, workflow, pinned version (cached configuration); a name it
  // does not know is a 400 — unless the key was used before, then the call is a replay
  let target: Awaited<ReturnType<typeof resolveTarget>>;
  try {
    target = await resolveTarget(input);
  } catch (e) {
    const existing = await replay(agent.id, input.idempotencyKey, bodyHash);
    if (existing) return existing;
    throw e;
  }

  // 2. admission, one statement: a replay is answered as it was; a new call is counted
  const now = new Date();
  let admission = await admitCall(agent.id, ingestWindows(agent), now, input.idempotencyKey);
  if (admission.existing) {
    const existing = await replay(agent.id, input.idempotencyKey, bodyHash);
    if (existing) return existing;
    admission = await admitCall(agent.id, ingestWindows(agent), now); // gone since: count it
  }

  // a call admitted at a place counted ahead was not looked up by its key: a replay shows when
  // its insert meets the key (answered as it was, and uncounted), or, should a step fail before
  // that, here — as admission would have answered it
  const leased = admission.giveBack !== noGiveBack;
  try {
    const created = await decideAndPersist(ctx, target, admission.rates, now, leased);
    if (created.replayed) admission.giveBack();
    return created;
  } catch (e) {
    if (!leased || isStoredRefusal(e)) throw e;
    // replay() answers a replay, or throws its stored refusal or the key's conflict: uncounted
    const existing = await replay(agent.id, input.idempotencyKey, bodyHash).catch((r: unknown) => {
      if (r instanceof AppError) admission.giveBack();
      throw r;
    });
    if (!existing) throw e;
    admission.giveBack();
    return existing;
  }
}

/**
 * Steps 3 to 6, for a counted call. `lookUpKey`: the call was not looked up by its key at
 * admission — a replay is looked up before Salesforce is read for it, so retrying one key
 * never spends the org's API calls (a create reads nothing: its insert finds the key).
 */
async function decideAndPersist(
  ctx: TIngest,
  target: TTarget,
  rates: TRateResult[],
  now: Date,
  lookUpKey: boolean,
): Promise<TCreated> {
  const { agent, input } = ctx;
  const actionTypeId = target.actionType.id;
  // 3. early gates: what needs no record
  const { base, overRate } = await policyInputBase(agent, input, target, now, rates);
  const gate = earlyGates(base, target, overRate);
  const provisionalId = gate.provisional?.id ?? null;
  if (gate.kind === "over_rate") return refuseOverRate(ctx, gate.denial, now);
  if (gate.kind === "refused") return refuse(ctx, gate.decision, provisionalId, actionTypeId, null);

  // 4. read record: field types, then the record from Salesforce
  if (lookUpKey && target.actionType.operation !== "create" && input.target.recordId) {
    const existing = await replay(agent.id, input.idempotencyKey, ctx.bodyHash);
    if (existing) return existing;
  }
  const record = await readRecord(agent, input, target.actionType.operation);
  if (record.kind === "not_found") {
    return refuseWith(ctx, record.refusal, provisionalId, actionTypeId, null, record.reasons);
  }

  // 5. decide: workflow version, policy engine
  const decided = decideRequest(base, target, input, record.current);
  if (decided.decision.denial) {
    return refuse(ctx, decided.decision, decided.version.id, actionTypeId, decided.before);
  }

  // 6. persist: one statement, then the job
  return persistAccepted(ctx, target, decided, record, now);
}
