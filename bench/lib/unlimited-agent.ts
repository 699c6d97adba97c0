/**
 * The demo org's lead-enrichment-bot in prod with limits no bench reaches, and a new API key for
 * it: the agent the ingest and kill-switch benches send as. Call it after `benchDatabase` (which
 * sets DATABASE_URL) and the demo seed: the app's modules are imported here, not at the top, so
 * they connect to the bench's database.
 */
export async function unlimitedLeadAgent() {
  const { db } = await import("@/lib/db");
  const { createApiKey } = await import("@/lib/agents/api-keys");
  const found = await db.agent.findFirstOrThrow({
    where: { slug: "lead-enrichment-bot", environment: { slug: "prod" } },
  });
  const agent = await db.agent.update({
    where: { id: found.id },
    data: { callsPerMinute: 100_000_000, writesPerHour: 100_000_000 },
  });
  const key = (await createApiKey({ agentSlug: agent.slug, envSlug: "prod" })).plaintext;
  return { agent, key };
}
