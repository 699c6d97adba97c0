/**
 * Scope: one grant must cover the whole request — active now, on the object, for the
 * operation, for EVERY changed field, with its record condition holding on the record as it
 * would be after the change. Grants are not combined: two half-grants are not a whole one.
 *
 * When no grant covers the request, the denial names the grant that came closest (furthest
 * through object → operation → fields → condition → validity, first in input order on a tie)
 * and exactly what it lacks.
 */
import { ConditionSyntaxError, getCompiledCondition, type TConditionContext } from "./condition";
import type { TPolicyGrant } from "./types";

export type TScopeResult =
  { ok: true; grant: TPolicyGrant } | { ok: false; rule: string; detail: string };

// Validity is checked last so that a lapsed elevation which would otherwise cover the
// request is the one named ("expired at …"), not some active grant that lacks a field.
const STAGE_OBJECT = 0;
const STAGE_OPERATION = 1;
const STAGE_FIELDS = 2;
const STAGE_CONDITION = 3;
const STAGE_VALIDITY = 4;
const STAGE_COVERS = 5;

export function grantLabel(g: TPolicyGrant): string {
  return `Grant "${g.label ?? g.id}"`;
}

/** What the request asks a grant to cover, as checkScope received it. */
type TScopeAsk = {
  object: string;
  operation: string;
  fields: readonly string[];
  now: Date;
  ctx: TConditionContext;
};

/** How far a grant gets; STAGE_COVERS when it covers the request. */
function stageOf(g: TPolicyGrant, { object, operation, fields, now, ctx }: TScopeAsk): number {
  const nowMs = now.getTime();
  if (g.object !== object) return STAGE_OBJECT;
  if (!g.operations.includes(operation)) return STAGE_OPERATION;
  for (const f of fields) if (!g.writableFields.includes(f)) return STAGE_FIELDS;
  if (g.recordCondition) {
    try {
      if (!getCompiledCondition(g.recordCondition).evaluate(ctx)) return STAGE_CONDITION;
    } catch (err) {
      if (err instanceof ConditionSyntaxError) return STAGE_CONDITION;
      throw err;
    }
  }
  if (
    g.validFrom.getTime() > nowMs ||
    (g.validUntil !== null && g.validUntil.getTime() <= nowMs) ||
    (g.revokedAt != null && g.revokedAt.getTime() <= nowMs)
  ) {
    return STAGE_VALIDITY;
  }
  return STAGE_COVERS;
}

export function checkScope(
  grants: readonly TPolicyGrant[],
  object: string,
  operation: string,
  fields: readonly string[],
  now: Date,
  ctx: TConditionContext,
): TScopeResult {
  const ask = { object, operation, fields, now, ctx };
  let best: TPolicyGrant | null = null;
  let bestStage = -1;
  for (const g of grants) {
    const stage = stageOf(g, ask);
    if (stage === STAGE_COVERS) return { ok: true, grant: g };
    if (stage > bestStage) {
      best = g;
      bestStage = stage;
    }
  }
  return explainMiss(grants, best, bestStage, ask);
}

function explainMiss(
  grants: readonly TPolicyGrant[],
  g: TPolicyGrant | null,
  stage: number,
  { object, operation, fields, now, ctx }: TScopeAsk,
): TScopeResult {
  if (!g) return { ok: false, rule: "scope/no-grants", detail: "The agent has no grants" };
  switch (stage) {
    case STAGE_OBJECT: {
      const objects = [...new Set(grants.map((x) => x.object))].join(", ");
      return {
        ok: false,
        rule: "scope/object",
        detail: `No grant covers the object ${object} (the agent's grants cover ${objects})`,
      };
    }
    case STAGE_OPERATION: {
      const ops = [
        ...new Set(grants.filter((x) => x.object === object).flatMap((x) => x.operations)),
      ].join(", ");
      return {
        ok: false,
        rule: "scope/operation",
        detail: `No grant allows ${operation} on ${object} (granted operations: ${ops})`,
      };
    }
    case STAGE_VALIDITY: {
      const nowMs = now.getTime();
      if (g.revokedAt != null && g.revokedAt.getTime() <= nowMs) {
        return {
          ok: false,
          rule: "scope/revoked",
          detail: `${grantLabel(g)} for ${operation} on ${object} was revoked at ${g.revokedAt.toISOString()}`,
        };
      }
      if (g.validFrom.getTime() > nowMs) {
        return {
          ok: false,
          rule: "scope/not-yet-valid",
          detail: `${grantLabel(g)} for ${operation} on ${object} is not valid until ${g.validFrom.toISOString()}`,
        };
      }
      return {
        ok: false,
        rule: "scope/expired",
        detail: `${grantLabel(g)} for ${operation} on ${object} expired at ${g.validUntil!.toISOString()}`,
      };
    }
    case STAGE_FIELDS: {
      const missing = fields.filter((f) => !g.writableFields.includes(f));
      return {
        ok: false,
        rule: "scope/field",
        detail: `${grantLabel(g)} does not allow writing ${missing.join(", ")} on ${object}`,
      };
    }
    default: {
      const text = g.recordCondition ?? "";
      let why: string;
      try {
        why = getCompiledCondition(text).explainFailure(ctx);
      } catch (err) {
        if (!(err instanceof ConditionSyntaxError)) throw err;
        return {
          ok: false,
          rule: "scope/condition",
          detail: `${grantLabel(g)} has a malformed record condition "${text}" (${err.reason}); it covers nothing until fixed`,
        };
      }
      return {
        ok: false,
        rule: "scope/condition",
        detail: `${grantLabel(g)} record condition "${text}" does not hold: ${why}`,
      };
    }
  }
}
