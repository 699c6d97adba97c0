import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { renderActionRequest, renderSelect } from "@/lib/action-requests/response";

const POLL_MS = 250;

async function load(agentId: string, id: string) {
  return db.actionRequest.findFirst({ where: { id, agentId }, select: renderSelect });
}

/**
 * GET /action-requests/{id}: only the owning agent sees it (404 for anyone else, so ids do
 * not leak). With waitSeconds the answer waits until the status changes or time runs out.
 */
export async function getActionRequest(
  agent: TAuthenticatedAgent,
  id: string,
  waitSeconds = 0,
  signal?: AbortSignal,
) {
  const notFound = new AppError("not_found", `Action request ${id} was not found`);
  if (!/^ar_[A-Za-z0-9_-]{1,40}$/.test(id)) throw notFound;
  let row = await load(agent.id, id);
  if (!row) throw notFound;
  const initial = row.status;
  const until = Date.now() + Math.min(30, Math.max(0, waitSeconds)) * 1000;
  while (row && row.status === initial && Date.now() < until && !signal?.aborted) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, until - Date.now()))));
    row = await load(agent.id, id);
  }
  if (!row) throw notFound;
  return renderActionRequest(row, false);
}
