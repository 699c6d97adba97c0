import "server-only";
import { db } from "@/lib/db";

/**
 * How many anomaly episodes an agent had since a moment (each episode once, however long it
 * fired), optionally only those in one environment. What a phase gate's "no anomaly in 14 days"
 * reads: an episode counts when it began at or after `since`, or was still firing then.
 */
export async function countAnomalies(input: {
  agentId: string;
  environmentId?: string;
  since: Date;
}): Promise<number> {
  return db.anomaly.count({
    where: {
      agentId: input.agentId,
      ...(input.environmentId ? { environmentId: input.environmentId } : {}),
      OR: [{ createdAt: { gte: input.since } }, { lastSeenAt: { gte: input.since } }],
    },
  });
}
