import "server-only";
import { AppError } from "@/lib/core/errors";
import type { Tx } from "@/lib/db";

/**
 * Separation of duties for workflow versions, as the matrix has it for its publish: the step at
 * which the whole book runs on a new version — promotion to 100% — is taken by someone other
 * than the person who drafted it. The draft's author may publish it as a 5% canary and widen it
 * to 25% (the canary's point is to be watched); a second person decides it replaces the
 * baseline. Every door (route, service) reaches this through `promoteCanary`.
 */
export async function assertNotAuthor(
  tx: Tx,
  v: { id: string; version: number },
  actorUserId: string,
) {
  const row = await tx.workflowVersion.findUniqueOrThrow({
    where: { id: v.id },
    select: { createdById: true },
  });
  if (row.createdById === actorUserId) {
    throw new AppError(
      "separation_of_duties",
      `You drafted version ${v.version}: another ops owner or admin must promote it to 100%`,
    );
  }
}
