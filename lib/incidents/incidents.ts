import "server-only";
import { db, type Prisma } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, invalid, notFound } from "@/lib/core/errors";
import {
  ZCloseIncidentInput,
  ZIncidentQuery,
  ZOpenIncidentInput,
  ZSetSeverityInput,
  type TCloseIncidentInput,
  type TIncidentQueryInput,
  type TOpenIncidentInput,
  type TSetSeverityInput,
} from "./schemas";

/**
 * The incident log: the list with its filters, a person's triage (severity with a reason),
 * closing, and an incident opened by hand. Each change locks the incident's row and commits
 * with its config-lane audit event, so two people at once are applied one after the other.
 */

const SELECT = {
  id: true,
  source: true,
  sourceRef: true,
  title: true,
  detail: true,
  openedAt: true,
  severity: true,
  severitySetAt: true,
  severityReason: true,
  closedAt: true,
  closeReason: true,
  agent: { select: { id: true, name: true, slug: true } },
  environment: { select: { slug: true, name: true } },
  openedBy: { select: { name: true } },
  severitySetBy: { select: { name: true } },
  closedBy: { select: { name: true } },
} satisfies Prisma.IncidentSelect;

/** Incidents newest first (at most 500), filtered as the page's URL says. */
export async function listIncidents(input: TIncidentQueryInput) {
  const parsed = ZIncidentQuery.safeParse(input);
  if (!parsed.success) {
    throw new AppError("invalid_query", "The incident filters are not valid", {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const q = parsed.data;
  const where: Prisma.IncidentWhereInput = {
    ...(q.state === "open"
      ? { closedAt: null }
      : q.state === "closed"
        ? { closedAt: { not: null } }
        : {}),
    ...(q.agent ? { agentId: q.agent } : {}),
    ...(q.source ? { source: q.source } : {}),
    ...(q.severity ? { severity: q.severity === "untriaged" ? null : q.severity } : {}),
  };
  const rows = await db.incident.findMany({
    where,
    orderBy: [{ openedAt: "desc" }, { id: "desc" }],
    take: 500,
    select: SELECT,
  });
  return { query: q, incidents: rows };
}
export type TIncident = Awaited<ReturnType<typeof listIncidents>>["incidents"][number];

/** The agents an incident can be about, by name and environment (the filter and the form). */
export async function listIncidentAgents() {
  const rows = await db.agent.findMany({
    orderBy: [{ name: "asc" }],
    select: { id: true, name: true, environment: { select: { name: true, slug: true } } },
  });
  return rows.map((a) => ({ id: a.id, label: `${a.name} · ${a.environment.name}` }));
}

async function lockIncident(tx: Prisma.TransactionClient, id: string) {
  const rows = await tx.$queryRaw<
    { id: string; severity: string | null; closedAt: Date | null; environmentId: string }[]
  >`SELECT id, severity::text AS severity, "closedAt", "environmentId" FROM "Incident" WHERE id = ${id} FOR UPDATE`;
  if (!rows[0]) throw notFound("Incident");
  return rows[0];
}

/** A person sets (or changes) the severity, saying why. A closed incident keeps its severity. */
export async function setIncidentSeverity(
  id: string,
  input: TSetSeverityInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZSetSeverityInput.parse(input);
  return db.$transaction(async (tx) => {
    const inc = await lockIncident(tx, id);
    if (inc.closedAt) {
      throw new AppError(
        "invalid_transition",
        "This incident is closed; its severity stays as it was",
      );
    }
    if (inc.severity === data.severity) return { changed: false };
    await tx.incident.update({
      where: { id },
      data: {
        severity: data.severity,
        severityReason: data.reason,
        severitySetAt: new Date(),
        severitySetById: actorUserId,
      },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "incident.severity_set",
      subjectId: id,
      environmentId: inc.environmentId,
      reasonText: data.reason,
      payload: { from: inc.severity, to: data.severity },
      context,
    });
    return { changed: true };
  });
}

/** A person closes the incident, saying why; a second close finds it closed. */
export async function closeIncident(
  id: string,
  input: TCloseIncidentInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZCloseIncidentInput.parse(input);
  return db.$transaction(async (tx) => {
    const inc = await lockIncident(tx, id);
    if (inc.closedAt) throw new AppError("already_decided", "This incident is already closed");
    await tx.incident.update({
      where: { id },
      data: { closedAt: new Date(), closedById: actorUserId, closeReason: data.reason },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "incident.closed",
      subjectId: id,
      environmentId: inc.environmentId,
      reasonText: data.reason,
      payload: { severity: inc.severity },
      context,
    });
    return { closed: true };
  });
}

/** A person opens an incident about one agent (untriaged until someone sets its severity). */
export async function openManualIncident(
  input: TOpenIncidentInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZOpenIncidentInput.parse(input);
  return db.$transaction(async (tx) => {
    const agent = await tx.agent.findUnique({
      where: { id: data.agentId },
      select: { id: true, slug: true, environmentId: true },
    });
    if (!agent) {
      throw invalid("Choose an existing agent", [
        { path: "agentId", message: "Choose an existing agent" },
      ]);
    }
    const id = `inc_${crypto.randomUUID().replace(/-/g, "")}`;
    await tx.incident.create({
      data: {
        id,
        source: "manual",
        sourceRef: id,
        agentId: agent.id,
        environmentId: agent.environmentId,
        title: data.title,
        detail: { reason: data.reason },
        openedById: actorUserId,
      },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "incident.opened",
      subjectId: id,
      environmentId: agent.environmentId,
      reasonText: data.reason,
      payload: { source: "manual", sourceRef: id, agent: agent.slug, title: data.title },
      context,
    });
    return { id };
  });
}
