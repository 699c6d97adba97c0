import "server-only";
import { STOPS_WORK, stopAgentWork } from "@/lib/execution/phase-stop";
import { Prisma, db, type Tx } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, invalid, notFound } from "@/lib/core/errors";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { forgetApiKeys } from "./api-keys";
import {
  ZAgentStatusInput,
  ZCreateAgentInput,
  ZUpdateAgentInput,
  type TAgentStatusAction,
  type TAgentStatusInput,
  type TCreateAgentInput,
  type TUpdateAgentInput,
} from "./schemas";

/**
 * An agent's lifecycle from the console: create, edit, suspend, resume, retire. Every change
 * commits with its config-lane audit event; edits and status changes lock the agent's row, so
 * two people changing one agent at once are applied one after the other (an edit made from a
 * stale form is refused, a second identical status change finds nothing to do). The agent API
 * sees the change at once on this instance, within its caches' second elsewhere.
 */

type TStatus = "active" | "suspended" | "retired";

/** The status moves: from which statuses each action may start, and where it ends. */
export const STATUS_MOVES: Record<TAgentStatusAction, { from: TStatus[]; to: TStatus }> = {
  suspend: { from: ["active"], to: "suspended" },
  resume: { from: ["suspended"], to: "active" },
  retire: { from: ["active", "suspended"], to: "retired" },
};
/** People who may own an agent: active users, by name. */
export async function listOwnerOptions() {
  return db.user.findMany({
    where: { status: "active" },
    orderBy: { name: "asc" },
    select: { id: true, name: true, email: true },
  });
}
export type TOwnerOption = Awaited<ReturnType<typeof listOwnerOptions>>[number];

async function activeOwner(tx: Tx, ownerId: string) {
  const owner = await tx.user.findUnique({
    where: { id: ownerId },
    select: { id: true, email: true, name: true, status: true },
  });
  if (!owner || owner.status !== "active") {
    throw invalid("The owner must be an active user", [
      { path: "ownerId", message: "Choose an active user as the owner" },
    ]);
  }
  return owner;
}

function afterChange() {
  forgetApiKeys();
  clearPolicyCaches();
}

export async function createAgent(
  input: TCreateAgentInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZCreateAgentInput.parse(input);
  try {
    const agent = await db.$transaction(async (tx) => {
      const env = await tx.environment.findUnique({
        where: { slug: data.environment },
        select: { id: true },
      });
      if (!env) throw notFound(`Environment "${data.environment}"`);
      await refuseIntegrationName(tx, data.slug);
      const owner = await activeOwner(tx, data.ownerId);
      const a = await tx.agent.create({
        data: {
          slug: data.slug,
          environmentId: env.id,
          name: data.name,
          description: data.description,
          ownerId: owner.id,
          callsPerMinute: data.callsPerMinute,
          writesPerHour: data.writesPerHour,
          phase: "observe",
          status: "active",
        },
        select: { id: true, slug: true, environmentId: true, phase: true },
      });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "agent.created",
        subjectId: a.id,
        environmentId: a.environmentId,
        payload: { slug: a.slug, phase: a.phase, owner: owner.email },
        context,
      });
      return a;
    });
    return { id: agent.id, slug: agent.slug };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw invalid(`An agent "${data.slug}" already exists in ${data.environment}`, [
        { path: "slug", message: `"${data.slug}" is taken in this environment` },
      ]);
    }
    throw err;
  }
}

/**
 * Field ownership names its writers by id: an agent's slug, "humans", or an integration's id
 * (billing-sync). A new agent under an integration's id would inherit every field that
 * integration may write, without anyone having decided it: refused. (The same slug as an agent
 * in another environment is the same agent's name, and allowed.)
 */
async function refuseIntegrationName(tx: Tx, slug: string) {
  const [hit] = await tx.$queryRaw<{ object: string; field: string }[]>`
    select object, field from "FieldOwnership" fo
    where ${slug} = any(fo."allowedWriters")
      and not exists (select 1 from "Agent" a where a.slug = ${slug})
    order by object, field limit 1`;
  if (hit) {
    const message = `"${slug}" is an integration allowed to write ${hit.object}.${hit.field} (field ownership): choose another slug`;
    throw invalid(message, [{ path: "slug", message }]);
  }
}

/**
 * The agent's row, locked against every other change of it until commit. FOR NO KEY UPDATE (the
 * id never changes): the foreign-key checks of requests being inserted for the agent do not wait
 * on it — ingest's shared statement would otherwise wait, and every agent's calls behind it.
 */
async function lockAgent(tx: Tx, agentId: string) {
  const rows = await tx.$queryRaw<
    {
      id: string;
      slug: string;
      status: TStatus;
      environmentId: string;
      name: string;
      description: string | null;
      ownerId: string;
      callsPerMinute: number;
      writesPerHour: number;
      updatedAt: Date;
    }[]
  >`SELECT id, slug, status::text AS status, "environmentId", name, description, "ownerId",
      "callsPerMinute", "writesPerHour", "updatedAt"
    FROM "Agent" WHERE id = ${agentId} FOR NO KEY UPDATE`;
  if (!rows[0]) throw notFound("Agent");
  return rows[0];
}

const EDITABLE = ["name", "description", "ownerId", "callsPerMinute", "writesPerHour"] as const;

export async function updateAgent(
  agentId: string,
  input: TUpdateAgentInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZUpdateAgentInput.parse(input);
  const result = await db.$transaction(async (tx) => {
    const agent = await lockAgent(tx, agentId);
    if (agent.status === "retired") {
      throw new AppError("agent_retired", `Agent "${agent.slug}" is retired; it cannot be changed`);
    }
    if (agent.updatedAt.getTime() !== new Date(data.expectedUpdatedAt).getTime()) {
      throw new AppError(
        "state_changed",
        "Someone else changed this agent since you opened the form; reload to see their change",
      );
    }
    if (data.ownerId !== agent.ownerId) await activeOwner(tx, data.ownerId);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of EDITABLE) {
      if (data[k] !== agent[k]) changes[k] = { from: agent[k], to: data[k] };
    }
    if (Object.keys(changes).length === 0) return { changed: false };
    const widened =
      data.callsPerMinute > agent.callsPerMinute || data.writesPerHour > agent.writesPerHour;
    if (widened && !data.reason) {
      throw invalid("Raising a limit lets the agent do more: say why", [
        { path: "reason", message: "Say why the limit goes up (at least 3 characters)" },
      ]);
    }
    if (data.reason && data.reason.length < 3) {
      throw invalid("The reason is too short", [
        { path: "reason", message: "Say why (at least 3 characters)" },
      ]);
    }
    await tx.agent.update({
      where: { id: agent.id },
      data: {
        name: data.name,
        description: data.description,
        ownerId: data.ownerId,
        callsPerMinute: data.callsPerMinute,
        writesPerHour: data.writesPerHour,
      },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "agent.updated",
      subjectId: agent.id,
      environmentId: agent.environmentId,
      reasonText: data.reason,
      payload: { agent: agent.slug, changes, widened },
      context,
    });
    return { changed: true };
  });
  if (result.changed) afterChange();
  return result;
}

export async function changeAgentStatus(
  agentId: string,
  input: TAgentStatusInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZAgentStatusInput.parse(input);
  const move = STATUS_MOVES[data.action];
  const status = await db.$transaction(async (tx) => {
    const agent = await lockAgent(tx, agentId);
    if (agent.status === "retired") {
      throw new AppError("agent_retired", `Agent "${agent.slug}" is retired; retirement is final`);
    }
    if (!move.from.includes(agent.status)) {
      throw new AppError(
        "invalid_transition",
        `Agent "${agent.slug}" is ${agent.status}; it cannot ${data.action}`,
      );
    }
    await tx.agent.update({ where: { id: agent.id }, data: { status: move.to } });
    const stopped =
      move.to === "active"
        ? null
        : await stopAgentWork(tx, agent.id, `Agent ${move.to}: ${data.reason}`);
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      // spelled out: lib/audit/events.test.ts reads the actions the code writes from its source
      action:
        data.action === "suspend"
          ? "agent.suspended"
          : data.action === "resume"
            ? "agent.resumed"
            : "agent.retired",
      subjectId: agent.id,
      environmentId: agent.environmentId,
      reasonText: data.reason,
      payload: { agent: agent.slug, from: agent.status, to: move.to, ...stopped },
      context,
    });
    return move.to;
  }, STOPS_WORK);
  afterChange();
  return { status };
}
