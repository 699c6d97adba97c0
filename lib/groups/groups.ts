import "server-only";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { db, Prisma, type Tx } from "@/lib/db";
import { setGroupWebhook } from "@/lib/webhooks/config";
import { can } from "@/lib/auth/permissions";
import { keepOnCall, onCallAt } from "./on-call";
import type {
  TCreateGroupInput,
  TGroupMemberInput,
  TGroupRotationInput,
  TGroupSlaInput,
  TGroupWebhookInput,
} from "./group-input";

const MEMBER_SELECT = {
  user: {
    select: { id: true, name: true, email: true, status: true, roles: { select: { role: true } } },
  },
} as const;

type TMember = { id: string; status: string; roles: { role: string }[] };

/** May be on call: active, and may decide approvals (a role change since is skipped too). */
const mayDecide = (u: TMember) =>
  u.status === "active" &&
  can(
    u.roles.map((r) => r.role),
    "inbox:decide",
  );
const eligibleAmong = (members: TMember[]) => (id: string) =>
  members.some((m) => m.id === id && mayDecide(m));

/** Approver groups with their members by name, SLA, webhook (never its secret) and who is on call. */
export async function listGroups(now = new Date()) {
  const groups = await db.approverGroup.findMany({
    orderBy: { name: "asc" },
    include: { members: { select: MEMBER_SELECT, orderBy: { addedAt: "asc" } } },
  });
  return groups.map((g) => {
    const members = g.members.map(({ user: { roles, ...u } }) => ({
      ...u,
      mayDecide: mayDecide({ ...u, roles }),
    }));
    const nameOf = (id: string | null) => {
      const m = id ? members.find((u) => u.id === id) : undefined;
      return m ? { id: m.id, name: m.name } : null;
    };
    const rotation = rotationOf(g);
    const onCall = rotation
      ? onCallAt(rotation, now, (id) => members.some((m) => m.id === id && m.mayDecide))
      : null;
    return {
      id: g.id,
      key: g.key,
      name: g.name,
      description: g.description,
      isOnCall: g.isOnCall,
      slaMinutes: g.slaMinutes,
      webhookUrl: g.webhookUrl,
      updatedAt: g.updatedAt,
      members,
      rotation: rotation
        ? {
            order: rotation.rotation.map(
              (id) => nameOf(id) ?? { id, name: "(no longer a member)" },
            ),
            handoffWeekday: rotation.handoffWeekday,
            handoffTime: rotation.handoffTime,
            handoffZone: rotation.handoffZone,
            current: nameOf(onCall!.current),
            next: nameOf(onCall!.next),
            handoffAt: onCall!.handoffAt,
          }
        : null,
    };
  });
}
export type TGroupRow = Awaited<ReturnType<typeof listGroups>>[number];

function rotationOf(g: {
  rotation: string[];
  handoffWeekday: number | null;
  handoffTime: string | null;
  handoffZone: string | null;
  rotationStartsAt: Date | null;
}) {
  if (!g.rotation.length || g.handoffWeekday === null || !g.handoffTime || !g.handoffZone) {
    return null;
  }
  return {
    rotation: g.rotation,
    handoffWeekday: g.handoffWeekday,
    handoffTime: g.handoffTime,
    handoffZone: g.handoffZone,
    startsAt: g.rotationStartsAt ?? new Date(0),
  };
}

/**
 * The member of `groupKey`'s rotation on call at `now` (active members who may decide), or null when the
 * group has no rotation or nobody in it may decide. The escalation sweep names this person.
 */
export async function onCallPerson(tx: Tx, groupKey: string, now = new Date()) {
  const g = await tx.approverGroup.findUnique({
    where: { key: groupKey },
    include: { members: { select: MEMBER_SELECT } },
  });
  const rotation = g && rotationOf(g);
  if (!g || !rotation) return null;
  const active = g.members.map((m) => m.user).filter(mayDecide);
  const { current } = onCallAt(rotation, now, (id) => active.some((u) => u.id === id));
  const person = active.find((u) => u.id === current);
  return person ? { userId: person.id, name: person.name } : null;
}

const actorOf = (userId: string) => ({ type: "user" as const, userId });

/** The group row locked for the change (members and settings of one group go one at a time). */
async function lockGroup(tx: Tx, key: string) {
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    select id from "ApproverGroup" where key = ${key} for update`;
  if (!row) throw notFound(`Approver group "${key}"`);
  return tx.approverGroup.findUniqueOrThrow({ where: { id: row.id } });
}

function assertFresh(updatedAt: Date, expected: string) {
  if (updatedAt.toISOString() !== expected) {
    throw new AppError(
      "state_changed",
      "Someone changed this group since you opened it: reload to see their change",
    );
  }
}

export async function createGroup(
  input: TCreateGroupInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  try {
    return await db.$transaction(async (tx) => {
      const group = await tx.approverGroup.create({
        data: { key: input.key, name: input.name, description: input.description || null },
      });
      await writeAuditEvent(tx, {
        action: "approver_group.created",
        actor: actorOf(actorId),
        subjectId: group.id,
        reasonText: input.reason || null,
        payload: { group: group.key, name: group.name },
        context,
      });
      return { key: group.key };
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw new AppError("invalid_body", `A group with the key "${input.key}" exists`, {
        errors: [{ path: "key", message: "This key is taken" }],
      });
    }
    throw e;
  }
}

/**
 * Add a person to a group or take them out (also out of its rotation). Only active people are
 * added. Adding someone already in, or removing someone not in, changes nothing.
 */
export async function changeGroupMember(
  key: string,
  input: TGroupMemberInput,
  actorId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  return db.$transaction(async (tx) => {
    const group = await lockGroup(tx, key);
    const user = await tx.user.findUnique({
      where: { id: input.userId },
      select: { id: true, name: true, status: true },
    });
    if (!user) throw notFound("Person");
    const isMember = Boolean(
      await tx.approverGroupMember.findUnique({
        where: { groupId_userId: { groupId: group.id, userId: user.id } },
      }),
    );
    if (input.change === "add") {
      if (isMember) return { changed: false };
      if (user.status !== "active") {
        throw new AppError("state_changed", `${user.name} is deactivated: reactivate them first`);
      }
      await tx.approverGroupMember.create({ data: { groupId: group.id, userId: user.id } });
    } else {
      if (!isMember) return { changed: false };
      await tx.approverGroupMember.delete({
        where: { groupId_userId: { groupId: group.id, userId: user.id } },
      });
      if (group.rotation.includes(user.id)) {
        // whoever is on call stays on call (the next one in the order, if it was this person)
        const members = await tx.approverGroupMember.findMany({
          where: { groupId: group.id },
          select: MEMBER_SELECT,
        });
        const rotation = group.rotation.filter((id) => id !== user.id);
        const old = rotationOf(group);
        const eligible = eligibleAmong(members.map((m) => m.user));
        await tx.approverGroup.update({
          where: { id: group.id },
          data: {
            rotation,
            rotationStartsAt:
              old && rotation.length ? keepOnCall(old, rotation, now, eligible) : null,
          },
        });
      }
    }
    // a member change is a change of the group: a form opened before it is stale
    await tx.approverGroup.update({ where: { id: group.id }, data: { updatedAt: new Date() } });
    await writeAuditEvent(tx, {
      action:
        input.change === "add" ? "approver_group.member_added" : "approver_group.member_removed",
      actor: actorOf(actorId),
      subjectId: group.id,
      reasonText: input.reason || null,
      payload: { group: group.key, userId: user.id, name: user.name },
      context,
    });
    return { changed: true };
  });
}

export async function setGroupSla(
  key: string,
  input: TGroupSlaInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  return db.$transaction(async (tx) => {
    const group = await lockGroup(tx, key);
    assertFresh(group.updatedAt, input.expectedUpdatedAt);
    if (group.slaMinutes === input.slaMinutes) return { changed: false };
    await tx.approverGroup.update({
      where: { id: group.id },
      data: { slaMinutes: input.slaMinutes },
    });
    await writeAuditEvent(tx, {
      action: "approver_group.settings_changed",
      actor: actorOf(actorId),
      subjectId: group.id,
      reasonText: input.reason || null,
      payload: {
        group: group.key,
        changes: { slaMinutes: { from: group.slaMinutes, to: input.slaMinutes } },
      },
      context,
    });
    return { changed: true };
  });
}

/**
 * Set the on-call rotation: everyone in it must be an active member who may decide approvals.
 * Whoever is on call now stays on call until the next handoff (if they are still in the list;
 * else the next one after them in the old order); a first rotation starts with its first person.
 */
export async function setGroupRotation(
  key: string,
  input: TGroupRotationInput,
  actorId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  return db.$transaction(async (tx) => {
    const group = await lockGroup(tx, key);
    assertFresh(group.updatedAt, input.expectedUpdatedAt);
    const members = await tx.approverGroupMember.findMany({
      where: { groupId: group.id },
      select: MEMBER_SELECT,
    });
    const bad = input.rotation.filter(
      (id) => !members.some((m) => m.user.id === id && m.user.status === "active"),
    );
    if (bad.length) {
      throw new AppError("invalid_body", "Only active members of the group can be on call", {
        errors: [{ path: "rotation", message: "Only active members of the group can be on call" }],
      });
    }
    const cannot = members
      .map((m) => m.user)
      .filter((u) => input.rotation.includes(u.id) && !mayDecide(u));
    if (cannot.length) {
      const message = `${cannot.map((u) => u.name).join(", ")} cannot decide approvals (needs the approver or admin role), so cannot be on call`;
      throw new AppError("invalid_body", message, { errors: [{ path: "rotation", message }] });
    }
    const names = (ids: string[]) =>
      ids.map((id) => members.find((m) => m.user.id === id)?.user.name ?? id);
    const off = input.rotation.length === 0;
    const data = {
      rotation: input.rotation,
      handoffWeekday: off ? null : input.handoffWeekday,
      handoffTime: off ? null : input.handoffTime,
      handoffZone: off ? null : input.handoffZone,
      // the person on call now stays on call: a save moves the anchor, not whose turn it is
      rotationStartsAt: off
        ? null
        : keepOnCall(
            rotationOf(group),
            input.rotation,
            now,
            eligibleAmong(members.map((m) => m.user)),
            {
              handoffWeekday: input.handoffWeekday,
              handoffTime: input.handoffTime,
              handoffZone: input.handoffZone,
            },
          ),
    };
    await tx.approverGroup.update({ where: { id: group.id }, data });
    const schedule = (g: {
      handoffWeekday: number | null;
      handoffTime: string | null;
      handoffZone: string | null;
    }) =>
      g.handoffWeekday === null ? null : `${g.handoffWeekday} ${g.handoffTime} ${g.handoffZone}`;
    await writeAuditEvent(tx, {
      action: "approver_group.settings_changed",
      actor: actorOf(actorId),
      subjectId: group.id,
      reasonText: input.reason || null,
      payload: {
        group: group.key,
        changes: {
          rotation: { from: names(group.rotation), to: names(input.rotation) },
          handoff: { from: schedule(group), to: schedule(data) },
        },
      },
      context,
    });
    return { changed: true };
  });
}

/** The escalation webhook from the console: the CLI's service and checks, with the reason. */
export async function setGroupWebhookFromConsole(
  key: string,
  input: TGroupWebhookInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  return setGroupWebhook(key, input.url, actorId, {
    reason: input.reason,
    context,
    expectedUpdatedAt: input.expectedUpdatedAt,
  });
}
