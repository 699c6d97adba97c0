import "server-only";
import { z } from "zod";
import { db, Prisma, type Tx } from "@/lib/db";
import { can, type TCurrentUser } from "@/lib/auth";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { lockActionRequest } from "@/lib/action-requests";
import type { SalesforceConnector } from "@/lib/connectors/salesforce";
import { sameValue } from "@/lib/execution/values";
import {
  loadRevertible,
  openRevertBlocker,
  planFor,
  RECORD_KEY,
  type TRevertField,
  type TRevertPlan,
} from "./plan-revert";

export const ZRevertInput = z
  .object({
    reason: z.string().trim().min(3, "Say why it is reverted (3 characters or more)").max(2000),
    /** what to do with each field someone changed since Tollgate wrote it */
    resolutions: z.record(z.string().max(200), z.enum(["skip", "overwrite"])).default({}),
    /** required when a resolution overwrites: why a person's later edit may be replaced */
    overwriteReason: z.string().trim().max(2000).optional(),
    /**
     * the value of each field in Salesforce as the plan showed it: a field that changed since is
     * refused (409), so nothing is decided on a value the person never saw
     */
    seen: z.record(z.string().max(200), z.unknown()),
  })
  .strict();
export type TRevertInput = z.input<typeof ZRevertInput>;

const DAY_MS = 86_400_000;
/** Nobody decides a revert within this time: it expires, as an agent's request does. */
const EXPIRY_MS = 3 * DAY_MS;
const DEFAULT_SLA_MS = 4 * 3600_000;

const json = (v: unknown) =>
  v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);

/**
 * Who approves a revert: the original rule's approvers (the group that approved the write);
 * for a write that was auto-approved, the approver group the active matrix names for its
 * action type now; else the on-call group. At least one approval, as many as the original.
 */
async function revertApprovers(
  tx: Tx,
  ar: { approverRole: string | null; requiredApprovals: number; actionTypeId: string | null },
) {
  let group = ar.approverRole;
  if (!group && ar.actionTypeId) {
    const rule = await tx.policyRule.findFirst({
      where: { actionTypeId: ar.actionTypeId, matrixVersion: { status: "active" } },
      orderBy: { matrixVersion: { version: "desc" } },
      select: { approverRole: true },
    });
    group = rule?.approverRole ?? null;
  }
  if (!group) {
    const onCall = await tx.approverGroup.findFirst({
      where: { isOnCall: true },
      select: { key: true },
    });
    group = onCall?.key ?? null;
  }
  return { approverRole: group, requiredApprovals: Math.max(1, ar.requiredApprovals) };
}

/**
 * A person asks for a succeeded write to be undone. The record is read now (the plan); each
 * field still holding what Tollgate wrote is restored to its value before the write. A field
 * someone changed since is a conflict: the person must skip it or overwrite it with a reason,
 * or the revert is refused (409 `revert_conflict`, the plan in `details`). The revert is a new
 * request (`revertsId` → the original), waiting for the original rule's approvers — never the
 * person who asked (separation of duties) — and executed like any approved update: its write
 * checks each field still holds the value in its `oldValue` (what Tollgate wrote, or for an
 * overwrite the value the person saw), so a change made after this plan is never overwritten.
 * One open revert per request: the original row is locked while the revert is created.
 */
export async function requestRevert(
  user: TCurrentUser,
  requestId: string,
  input: TRevertInput,
  context?: TRequestContext | null,
  opts: { connector?: SalesforceConnector } = {},
) {
  if (!can(user.roles, "requests:revert"))
    throw new AppError("forbidden", "Your role cannot revert requests");
  const parsed = ZRevertInput.safeParse(input);
  if (!parsed.success) {
    throw new AppError("invalid_body", "The revert is not valid", {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const { reason, overwriteReason, seen } = parsed.data;
  const resolutionOf = (field: string) =>
    Object.hasOwn(parsed.data.resolutions, field) ? parsed.data.resolutions[field] : undefined;
  // read Salesforce before any transaction: no row lock is held across an HTTP call
  const plan = await planFor(await loadRevertible(db, requestId), opts.connector);
  if (plan.kind === "delete") {
    return createRevert(user, requestId, reason, context, deleteShape(plan, parsed.data));
  }
  const moved = plan.fields.filter(
    (f) => !Object.hasOwn(seen, f.field) || !sameValue(seen[f.field], f.current),
  );
  if (moved.length) {
    throw new AppError(
      "state_changed",
      `Salesforce changed since the plan was read: ${moved
        .map((f) => `${f.field} is now ${JSON.stringify(f.current)}`)
        .join(", ")}. Review the revert again`,
    );
  }
  const conflicts = plan.fields.filter((f) => f.state === "conflict");
  const unresolved = conflicts.filter((f) => !resolutionOf(f.field));
  if (unresolved.length) {
    throw new AppError(
      "revert_conflict",
      `Changed in Salesforce since Tollgate wrote it: ${unresolved
        .map((f) => f.ownership ?? `${f.field} is now ${JSON.stringify(f.current)}`)
        .join(", ")}. Skip each such field or overwrite it with a reason`,
      {
        errors: unresolved.map((f) => ({
          path: `resolutions.${f.field}`,
          message: f.ownership
            ? f.ownership
            : f.laterRequestId
              ? `Written again later by ${f.laterRequestId}`
              : `Now ${JSON.stringify(f.current)}; Tollgate wrote ${JSON.stringify(f.written)}`,
        })),
      },
    );
  }
  const overwrites = conflicts.filter((f) => resolutionOf(f.field) === "overwrite");
  // field ownership is not a person's to override in a revert: such a field is only skipped
  const held = overwrites.filter((f) => f.ownership);
  if (held.length) {
    throw new AppError(
      "invalid_body",
      "A field its ownership keeps a revert from writing can only be skipped",
      {
        errors: held.map((f) => ({ path: `resolutions.${f.field}`, message: f.ownership! })),
      },
    );
  }
  if (overwrites.length && (overwriteReason ?? "").length < 3) {
    throw new AppError("invalid_body", "Say why a later edit may be overwritten", {
      errors: [{ path: "overwriteReason", message: "Required to overwrite a changed field" }],
    });
  }
  const restore: (TRevertField & { resolution: "restore" | "overwrite" })[] = [
    ...plan.fields
      .filter((f) => f.state === "restorable")
      .map((f) => ({ ...f, resolution: "restore" as const })),
    ...overwrites.map((f) => ({ ...f, resolution: "overwrite" as const })),
  ];
  const skipped = plan.fields.filter((f) => f.state !== "restorable" && !overwrites.includes(f));
  if (!restore.length) {
    throw new AppError(
      "not_revertible",
      skipped.every((f) => f.state === "already_restored")
        ? "Salesforce already holds the values from before this write: nothing to revert"
        : "Every field is skipped: nothing to revert",
    );
  }

  return createRevert(user, requestId, reason, context, {
    operation: null,
    recordId: plan.recordId,
    current: Object.fromEntries(plan.fields.map((f) => [f.field, f.current])),
    restore,
    skipped,
    overwriteReason: overwrites.length ? (overwriteReason ?? null) : null,
  });
}

/** What a revert request is made of, for an update's fields or a create's record. */
type TRevertShape = {
  /** "delete" for a create's revert, else null (its action type's operation: update) */
  operation: "delete" | null;
  recordId: string;
  /** what the plan showed Salesforce holding (the revert's `before`) */
  current: Record<string, unknown>;
  restore: (TRevertField & { resolution: "restore" | "overwrite" })[];
  skipped: { field: string; state: string; current: unknown }[];
  overwriteReason: string | null;
};

/**
 * A create's revert: its record deleted, the write checking Salesforce still shows the
 * LastModifiedDate the plan read (If-Unmodified-Since), so an edit made after the plan fails it.
 * A record someone changed after Tollgate created it is deleted only if the person chose to
 * overwrite, with a reason.
 */
function deleteShape(
  plan: TRevertPlan,
  input: {
    resolutions: Record<string, "skip" | "overwrite">;
    overwriteReason?: string;
    seen: Record<string, unknown>;
  },
): TRevertShape {
  const record = plan.record!;
  if (record.state === "already_gone") {
    throw new AppError(
      "not_revertible",
      `${plan.object} ${plan.recordId} is gone from Salesforce already`,
    );
  }
  if (input.seen[RECORD_KEY] !== record.lastModified) {
    throw new AppError(
      "state_changed",
      `Salesforce changed since the plan was read: ${plan.object} ${plan.recordId} was modified at ${record.lastModified}. Review the revert again`,
    );
  }
  const resolution = Object.hasOwn(input.resolutions, RECORD_KEY)
    ? input.resolutions[RECORD_KEY]
    : undefined;
  if (record.state === "conflict" && !resolution) {
    throw new AppError(
      "revert_conflict",
      `${plan.object} ${plan.recordId} was changed in Salesforce after Tollgate created it (last modified ${record.lastModified}). Skip it or delete it anyway with a reason`,
      {
        errors: [{ path: `resolutions.${RECORD_KEY}`, message: `Modified ${record.lastModified}` }],
      },
    );
  }
  if (record.state === "conflict" && resolution === "skip") {
    throw new AppError("not_revertible", "The record is skipped: nothing to revert");
  }
  const overwrite = record.state === "conflict";
  if (overwrite && (input.overwriteReason ?? "").length < 3) {
    throw new AppError("invalid_body", "Say why a record changed since may be deleted", {
      errors: [{ path: "overwriteReason", message: "Required to delete a changed record" }],
    });
  }
  return {
    operation: "delete",
    recordId: plan.recordId,
    current: { [RECORD_KEY]: record.lastModified },
    restore: [],
    skipped: [],
    overwriteReason: overwrite ? (input.overwriteReason ?? null) : null,
  };
}

/**
 * The revert request itself, in one transaction holding the original's row: one open revert
 * per request, none of a request a running backout is undoing.
 */
function createRevert(
  user: TCurrentUser,
  requestId: string,
  reason: string,
  context: TRequestContext | null | undefined,
  shape: TRevertShape,
) {
  const { restore, skipped } = shape;
  return db.$transaction(
    async (tx) => {
      await lockActionRequest(tx, requestId);
      // again under the lock: a concurrent revert, or the request changed since the plan
      const ar = await loadRevertible(tx, requestId);
      const blocker = await openRevertBlocker(tx, requestId);
      if (blocker) throw new AppError("revert_open", blocker);
      const now = new Date();
      const { approverRole, requiredApprovals } = await revertApprovers(tx, ar);
      const id = prefixedId("ar");
      const current = shape.current;
      const slaMs = ar.slaDueAt ? ar.slaDueAt.getTime() - ar.createdAt.getTime() : DEFAULT_SLA_MS;
      await tx.actionRequest.create({
        data: {
          id,
          agentId: ar.agentId,
          environmentId: ar.environmentId,
          workflowVersionId: ar.workflowVersionId,
          actionTypeId: ar.actionTypeId,
          idempotencyKey: `revert:${id}`,
          bodyHash: "",
          system: ar.system,
          object: ar.object,
          recordId: shape.recordId,
          operation: shape.operation,
          accountId: ar.accountId,
          status: "pending_approval",
          decisionOutcome: "pending_approval",
          decisionMode: "human_in_the_loop",
          decisionRule: `revert/${ar.decisionRule ?? ar.actionType?.key ?? ar.object}`,
          decisionReasons: [`Revert of ${ar.id}, asked for by ${user.name}`],
          approverRole,
          requiredApprovals,
          reasonCode: "revert",
          reasonText: reason,
          evidence: [{ kind: "revert_of", requestId: ar.id }] as Prisma.InputJsonValue,
          before: current as Prisma.InputJsonValue,
          recordSummary: json(ar.recordSummary),
          slaDueAt: new Date(now.getTime() + Math.max(slaMs, 60_000)),
          expiresAt: new Date(now.getTime() + EXPIRY_MS),
          revertsId: ar.id,
          requestedById: user.id,
          riskScore: ar.riskScore,
          createdAt: now,
          fieldChanges: {
            create: restore.map((f) => ({
              field: f.field,
              // what the write checks Salesforce still holds: Tollgate's value, or for an
              // overwrite the value the person saw and chose to replace
              oldValue: json(f.resolution === "overwrite" ? f.current : f.written),
              newValue: json(f.before),
            })),
          },
        },
      });
      const fields = restore.map((f) => ({
        field: f.field,
        from: f.current,
        to: f.before,
        resolution: f.resolution,
      }));
      await tx.reversal.create({
        data: {
          actionRequestId: ar.id,
          requestedById: user.id,
          reason,
          status: "planned",
          detail: {
            revertRequestId: id,
            fields,
            skipped: skipped.map((f) => ({ field: f.field, state: f.state, current: f.current })),
            overwriteReason: shape.overwriteReason,
            ...(shape.operation === "delete" ? { deletes: shape.recordId } : {}),
          } as Prisma.InputJsonValue,
        },
      });
      await writeAuditEvent(tx, {
        action: "action_request.revert_requested",
        actor: { type: "user", userId: user.id },
        subjectId: id,
        environmentId: ar.environmentId,
        object: ar.object,
        recordId: shape.recordId,
        reasonCode: "revert",
        reasonText: reason,
        payload: {
          reverts: ar.id,
          fields,
          skipped: skipped.map((f) => f.field),
          overwriteReason: shape.overwriteReason,
          ...(shape.operation === "delete" ? { deletes: shape.recordId } : {}),
          approverRole,
          requiredApprovals,
        },
        context,
      });
      return {
        id,
        status: "pending_approval" as const,
        reverts: ar.id,
        approverRole,
        requiredApprovals,
        fields,
        skipped: skipped.map((f) => ({ field: f.field, state: f.state })),
      };
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
}
