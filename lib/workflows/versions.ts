import "server-only";
import { Prisma, db, type Tx } from "@/lib/db";
import { AppError, notFound } from "@/lib/core/errors";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { transitionRequest } from "@/lib/action-requests/transition-request";
import type { TStatus } from "@/lib/action-requests/transitions";
import type { TChangeWindow } from "@/lib/policy/types";
import { widensWindows } from "./window-calendar";
import {
  CANARY_STEPS,
  ZCreateVersionInput,
  ZDiscardDraftInput,
  ZEditDraftInput,
  ZPromoteInput,
  ZPublishCanaryInput,
  ZRollbackInput,
  nextCanaryStep,
} from "./workflow-schema";
import { assertNotAuthor } from "./separation-of-duties";

/**
 * A workflow's versions and their one-way life: draft → published → retired. Only a draft's
 * content changes (a database trigger refuses any other door, migration …_workflow_versions); a
 * change to a published version is a new draft copying it. A published draft starts as a canary
 * at 5% of accounts (sticky buckets, bucket.ts), is promoted 5 → 25 → 100 — at 100 it replaces
 * the baseline, which is retired — or rolled back (the canary is retired, the baseline keeps its
 * accounts). One canary at a time per workflow, one draft at a time (a partial unique index).
 * Every step locks the workflow's row, moves the version with its expected state in the UPDATE's
 * WHERE (two people at once: one wins, the other is told the state changed), commits with its
 * config-lane audit event, then clears this process's configuration cache (other instances read
 * it again within CONFIG_TTL_MS).
 */

export type TWorkflowActor = { type: "user"; userId: string } | { type: "system" };

type TVersionRow = {
  id: string;
  workflowId: string;
  version: number;
  status: string;
  rolloutPercent: number;
  actionTypes: string[];
  changeWindows: Prisma.JsonValue;
  definition: Prisma.JsonValue;
  notes: string | null;
};

/** The workflow's row locked (every version step of one workflow runs one at a time) and its versions. */
async function lockWorkflow(tx: Tx, workflowId: string) {
  const [wf] = await tx.$queryRaw<{ id: string; key: string }[]>`
    select id, key from "Workflow" where id = ${workflowId} for update`;
  if (!wf) throw notFound("The workflow");
  const versions: TVersionRow[] = await tx.workflowVersion.findMany({
    where: { workflowId },
    orderBy: { version: "asc" },
    select: {
      id: true,
      workflowId: true,
      version: true,
      status: true,
      rolloutPercent: true,
      actionTypes: true,
      changeWindows: true,
      definition: true,
      notes: true,
    },
  });
  return { wf, versions };
}

/** The version's workflow locked, and the version as read under that lock. */
async function lockVersion(tx: Tx, versionId: string) {
  const row = await tx.workflowVersion.findUnique({
    where: { id: versionId },
    select: { workflowId: true },
  });
  if (!row) throw notFound("The workflow version");
  const { wf, versions } = await lockWorkflow(tx, row.workflowId);
  const v = versions.find((x) => x.id === versionId);
  if (!v) throw notFound("The workflow version");
  return { wf, versions, v };
}

/** The version every account gets unless a canary covers it: the newest published at 100%. */
export const baselineOf = <T extends { status: string; rolloutPercent: number; version: number }>(
  versions: readonly T[],
) =>
  versions
    .filter((v) => v.status === "published" && v.rolloutPercent >= 100)
    .sort((a, b) => b.version - a.version)[0] ?? null;
/** The version rolling out to part of the accounts, if any. */
export const canaryOf = <T extends { status: string; rolloutPercent: number; version: number }>(
  versions: readonly T[],
) => versions.find((v) => v.status === "published" && v.rolloutPercent < 100) ?? null;

const windowsOf = (v: { changeWindows: Prisma.JsonValue }) =>
  (Array.isArray(v.changeWindows) ? v.changeWindows : []) as unknown as TChangeWindow[];

/** What `after` lets agents do that `before` did not, in words; empty = nothing wider. */
function widening(
  before: { actionTypes: readonly string[]; changeWindows: readonly TChangeWindow[] },
  after: { actionTypes: readonly string[]; changeWindows: readonly TChangeWindow[] },
): string[] {
  const out: string[] = [];
  const added = after.actionTypes.filter((a) => !before.actionTypes.includes(a));
  if (added.length) out.push(`adds action types ${added.join(", ")}`);
  if (widensWindows(before.changeWindows, after.changeWindows, new Date()))
    out.push(
      after.changeWindows.length === 0
        ? "removes the change windows (agents may act at any time)"
        : "opens the change windows at more times",
    );
  return out;
}

function requireReasonFor(widens: string[], reason: string | undefined) {
  if (widens.length && !reason)
    throw new AppError(
      "reason_required",
      `Say why: this change lets agents do more (it ${widens.join(" and ")})`,
      { errors: [{ path: "reason", message: "A reason is required for this change" }] },
    );
}

async function checkActionTypes(tx: Tx, keys: readonly string[]) {
  const known = new Set(
    (await tx.actionType.findMany({ select: { key: true } })).map((a) => a.key),
  );
  const unknown = keys.filter((k) => !known.has(k));
  if (unknown.length)
    throw new AppError("invalid_body", `Unknown action type ${unknown.join(", ")}`, {
      errors: [{ path: "actionTypes", message: `No action type ${unknown.join(", ")}` }],
    });
}

const immutable = (v: { version: number; status: string }) =>
  new AppError(
    "version_immutable",
    `Version ${v.version} is ${v.status}: published versions never change. Save the change as a new version instead`,
  );

const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";

const stateChanged = (what: string) =>
  new AppError("state_changed", `${what} Reload the page to see the workflow as it is now`);

async function committed<T>(work: Promise<T>): Promise<T> {
  const out = await work;
  clearPolicyCaches();
  return out;
}

/** A new draft copying `basedOn` (default: the canary, else the baseline), with the given changes. */
export async function createDraftVersion(
  actorUserId: string,
  workflowId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZCreateVersionInput.parse(input);
  try {
    return await committed(
      db.$transaction(async (tx) => {
        const { wf, versions } = await lockWorkflow(tx, workflowId);
        const open = versions.find((v) => v.status === "draft");
        if (open)
          throw new AppError(
            "draft_exists",
            `Version ${open.version} is already a draft: edit it, or discard it first`,
          );
        // by default the version agents get now: the canary rolling out, else the baseline —
        // never a canary that was rolled back (the newest row after a rollback)
        const base = data.basedOn
          ? versions.find((v) => v.id === data.basedOn)
          : (canaryOf(versions) ?? baselineOf(versions) ?? versions[versions.length - 1]);
        if (data.basedOn && !base) throw notFound("The version to copy");
        const actionTypes = data.actionTypes ?? base?.actionTypes ?? [];
        const changeWindows = (data.changeWindows ??
          (base ? windowsOf(base) : [])) as TChangeWindow[];
        if (actionTypes.length === 0)
          throw new AppError("invalid_body", "A workflow version needs at least one action type", {
            errors: [{ path: "actionTypes", message: "Pick at least one action type" }],
          });
        await checkActionTypes(tx, actionTypes);
        const widens = base
          ? widening(
              { actionTypes: base.actionTypes, changeWindows: windowsOf(base) },
              {
                actionTypes,
                changeWindows,
              },
            )
          : [];
        requireReasonFor(widens, data.reason);
        const version = (versions[versions.length - 1]?.version ?? 0) + 1;
        const notes = data.notes ?? base?.notes ?? null;
        const definition = {
          ...((base?.definition ?? {}) as Record<string, unknown>),
          actionTypes,
          notes,
        };
        const draft = await tx.workflowVersion.create({
          data: {
            workflowId: wf.id,
            version,
            status: "draft",
            rolloutPercent: 0,
            actionTypes,
            changeWindows: changeWindows as unknown as Prisma.InputJsonValue,
            definition: definition as Prisma.InputJsonValue,
            notes,
            createdById: actorUserId,
          },
        });
        await writeAuditEvent(tx, {
          actor: { type: "user", userId: actorUserId },
          action: "workflow_version.draft_created",
          subjectId: draft.id,
          reasonText: data.reason || null,
          source: { workflow: wf.key, version },
          payload: {
            workflow: wf.key,
            version,
            basedOn: base?.version ?? null,
            actionTypes,
            changeWindows,
            widens,
          },
          context,
        });
        return { id: draft.id, version, status: "draft" as const };
      }),
    );
  } catch (err) {
    // two at once: the partial unique index lets one draft through
    if (isUniqueViolation(err))
      throw new AppError("draft_exists", "Someone else just started a draft of this workflow");
    throw err;
  }
}

/** Changes a draft's action types, change windows or notes; any other version is refused (409). */
export async function editDraftVersion(
  actorUserId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZEditDraftInput.parse(input);
  return committed(
    db.$transaction(async (tx) => {
      const { wf, v } = await lockVersion(tx, versionId);
      if (v.status !== "draft") throw immutable(v);
      const before = { actionTypes: v.actionTypes, changeWindows: windowsOf(v), notes: v.notes };
      const after = {
        actionTypes: data.actionTypes ?? before.actionTypes,
        changeWindows: (data.changeWindows ?? before.changeWindows) as TChangeWindow[],
        notes: data.notes !== undefined ? data.notes || null : before.notes,
      };
      await checkActionTypes(tx, after.actionTypes);
      const widens = widening(before, after);
      requireReasonFor(widens, data.reason);
      const changes = (["actionTypes", "changeWindows", "notes"] as const)
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        .map((k) => ({ setting: k, before: before[k], after: after[k] }));
      const moved = await tx.workflowVersion.updateMany({
        where: { id: v.id, status: "draft" },
        data: {
          actionTypes: after.actionTypes,
          changeWindows: after.changeWindows as unknown as Prisma.InputJsonValue,
          notes: after.notes,
          definition: {
            ...((v.definition ?? {}) as Record<string, unknown>),
            actionTypes: after.actionTypes,
            notes: after.notes,
          } as Prisma.InputJsonValue,
        },
      });
      if (moved.count !== 1) throw immutable(v);
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "workflow_version.draft_edited",
        subjectId: v.id,
        reasonText: data.reason || null,
        source: { workflow: wf.key, version: v.version },
        payload: { workflow: wf.key, version: v.version, changes, widens },
        context,
      });
      return { id: v.id, version: v.version, status: "draft" as const, changes: changes.length };
    }),
  );
}

/** Drops a draft unpublished (it never took a request, so nothing refers to it). */
export async function discardDraftVersion(
  actorUserId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZDiscardDraftInput.parse(input);
  return committed(
    db.$transaction(async (tx) => {
      const { wf, v } = await lockVersion(tx, versionId);
      if (v.status !== "draft") throw immutable(v);
      await tx.workflowVersion.deleteMany({ where: { id: v.id, status: "draft" } });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "workflow_version.draft_discarded",
        subjectId: v.id,
        reasonText: data.reason || null,
        source: { workflow: wf.key, version: v.version },
        payload: { workflow: wf.key, version: v.version },
        context,
      });
      return { id: v.id, version: v.version, status: "discarded" as const };
    }),
  );
}

/**
 * Publishes a draft as a canary at 5% of accounts (a workflow's first version goes straight to
 * 100%: there is no baseline for the other 95%). Refused while another canary is rolling out.
 */
export async function publishCanary(
  actorUserId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZPublishCanaryInput.parse(input);
  return committed(
    db.$transaction(async (tx) => {
      const { wf, versions, v } = await lockVersion(tx, versionId);
      if (v.status !== "draft")
        throw new AppError("state_changed", `Version ${v.version} is ${v.status}, not a draft`);
      const canary = canaryOf(versions);
      if (canary)
        throw new AppError(
          "canary_in_progress",
          `Version ${canary.version} is rolling out (${canary.rolloutPercent}%): promote it to 100% or roll it back before publishing another`,
        );
      const baseline = baselineOf(versions);
      const rolloutPercent = baseline ? CANARY_STEPS[0] : 100;
      const now = new Date();
      const moved = await tx.workflowVersion.updateMany({
        where: { id: v.id, status: "draft" },
        data: { status: "published", rolloutPercent, publishedAt: now, publishedById: actorUserId },
      });
      if (moved.count !== 1) throw stateChanged(`Version ${v.version} changed meanwhile.`);
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "workflow_version.published",
        subjectId: v.id,
        reasonText: data.reason,
        source: { workflow: wf.key, version: v.version },
        payload: {
          workflow: wf.key,
          version: v.version,
          rolloutPercent,
          baseline: baseline?.version ?? null,
          actionTypes: v.actionTypes,
          changeWindows: windowsOf(v),
        },
        context,
      });
      return { id: v.id, version: v.version, status: "published" as const, rolloutPercent };
    }),
  );
}

/**
 * One step further for the canary: 5 → 25 → 100. `from` is the share the person saw; the UPDATE
 * only moves a version still published at exactly that share, so of two promotions at once one
 * wins and the other is refused (state_changed). At 100% the versions it replaces are retired.
 */
export async function promoteCanary(
  actorUserId: string,
  versionId: string,
  input: unknown,
  context?: TRequestContext | null,
) {
  const data = ZPromoteInput.parse(input);
  return committed(
    db.$transaction(async (tx) => {
      const { wf, versions, v } = await lockVersion(tx, versionId);
      if (v.status !== "published" || v.rolloutPercent >= 100)
        throw new AppError(
          v.status === "published" || v.status === "retired" ? "state_changed" : "not_a_canary",
          `Version ${v.version} is ${v.status}${v.status === "published" ? ` at ${v.rolloutPercent}%` : ""}: there is no canary step to take.`,
        );
      if (v.rolloutPercent !== data.from)
        throw stateChanged(
          `Version ${v.version} is at ${v.rolloutPercent}% now, not ${data.from}% (someone else moved it).`,
        );
      const to = nextCanaryStep(data.from)!;
      if (to === 100) await assertNotAuthor(tx, v, actorUserId);
      const moved = await tx.workflowVersion.updateMany({
        where: { id: v.id, status: "published", rolloutPercent: data.from },
        data: { rolloutPercent: to },
      });
      if (moved.count !== 1) throw stateChanged(`Version ${v.version} moved meanwhile.`);
      let retired: number[] = [];
      if (to === 100) {
        const replaced = versions.filter(
          (x) => x.id !== v.id && x.status === "published" && x.version < v.version,
        );
        await tx.workflowVersion.updateMany({
          where: { id: { in: replaced.map((x) => x.id) }, status: "published" },
          data: { status: "retired", retiredAt: new Date() },
        });
        retired = replaced.map((x) => x.version);
      }
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "workflow_version.promoted",
        subjectId: v.id,
        reasonText: data.reason,
        source: { workflow: wf.key, version: v.version },
        payload: { workflow: wf.key, version: v.version, from: data.from, to, retired },
        context,
      });
      return {
        id: v.id,
        version: v.version,
        status: "published" as const,
        rolloutPercent: to,
        retired,
      };
    }),
  );
}

/**
 * Rolls a canary back: it is retired and the baseline takes its accounts again (at once in this
 * process, within CONFIG_TTL_MS elsewhere); its queued work is stopped in the same transaction,
 * and what slips onto it in that second is stopped by the sweepRolledBackCanaries job. For a person in the console and for automatic
 * checks (`{ type: "system" }`). Only a canary (published below 100%) rolls back; a second
 * rollback of the same canary is refused with state_changed.
 */
export async function rollbackCanary(
  versionId: string,
  actor: TWorkflowActor,
  reason: string,
  context?: TRequestContext | null,
  /** an automatic rollback's failed criteria and their figures, kept on the audit event */
  evidence?: unknown,
) {
  const data = ZRollbackInput.parse({ reason });
  return committed(
    db.$transaction(async (tx) => {
      const { wf, versions, v } = await lockVersion(tx, versionId);
      if (v.status === "retired") throw stateChanged(`Version ${v.version} is already retired.`);
      if (v.status !== "published" || v.rolloutPercent >= 100)
        throw new AppError(
          "not_a_canary",
          `Version ${v.version} is ${v.status === "draft" ? "a draft" : "the baseline (100%)"}: only a canary rolls back`,
        );
      const moved = await tx.workflowVersion.updateMany({
        where: { id: v.id, status: "published", rolloutPercent: { lt: 100 } },
        data: { status: "retired", retiredAt: new Date() },
      });
      if (moved.count !== 1) throw stateChanged(`Version ${v.version} moved meanwhile.`);
      const baseline = baselineOf(versions.filter((x) => x.id !== v.id));
      const stopped = await stopCanaryWork(
        tx,
        v.id,
        actor,
        `Canary version ${v.version} of ${wf.key} rolled back: ${data.reason}`,
      );
      await writeAuditEvent(tx, {
        actor,
        action: "workflow_version.rolled_back",
        subjectId: v.id,
        reasonText: data.reason,
        evidence: evidence ?? null,
        source: { workflow: wf.key, version: v.version },
        payload: {
          workflow: wf.key,
          version: v.version,
          rolloutPercent: v.rolloutPercent,
          baseline: baseline?.version ?? null,
          halted: stopped.halted,
          expired: stopped.expired,
        },
        context,
      });
      return {
        id: v.id,
        version: v.version,
        status: "retired" as const,
        baseline: baseline?.version ?? null,
        ...stopped,
      };
    }),
  );
  // an instance whose configuration cache still held the canary may take a request on it until
  // CONFIG_TTL_MS after the commit: the sweepRolledBackCanaries job (./sweep-rolled-back.ts)
  // stops those, so the person's request does not wait for that second
}

/**
 * The work a rolled-back canary still has: what waits to be written is halted (a person may
 * resume or discard it on the Halted work page), what waits for a decision or a release is
 * expired — nobody approves a change made under a version that was withdrawn; the agent is told
 * through its callback and may ask again, under the baseline. A write already under way finishes
 * (it passed its gates before the rollback).
 */
export async function stopCanaryWork(
  tx: Tx,
  versionId: string,
  actor: TWorkflowActor,
  reason: string,
) {
  const rows = await tx.$queryRaw<{ id: string; status: TStatus }[]>`
    select id, status::text as status from "ActionRequest"
    where "workflowVersionId" = ${versionId}
      and status in ('approved', 'auto_approved', 'retrying', 'pending_approval', 'draft')
    for update skip locked`;
  let halted = 0;
  let expired = 0;
  for (const r of rows) {
    const toHalt = r.status !== "pending_approval" && r.status !== "draft";
    await transitionRequest(tx, {
      id: r.id,
      from: r.status,
      to: toHalt ? "halted" : "expired",
      // expiring is Tollgate's move (the state machine's actor), on the person's rollback
      actor: toHalt ? actor : { type: "system" },
      reason,
      data: toHalt ? { haltedAt: new Date() } : {},
      payload: { workflowVersion: versionId },
    });
    if (toHalt) halted++;
    else expired++;
  }
  return { halted, expired };
}
