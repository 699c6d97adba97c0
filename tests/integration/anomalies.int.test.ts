import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { countAnomalies } from "@/lib/anomalies";
import { useScratch } from "./fixtures/scratch";

/** Anomaly detection and the weekly digest (issue 14, items 3 and 5). */
describe("anomalies", () => {
  const s = useScratch();

  it("countAnomalies counts an agent's episodes begun or still firing since a moment", async () => {
    const agent = await s.agent("prod");
    const type = await db.actionType.findUniqueOrThrow({
      where: { key: "opportunity.change_stage" },
    });
    const day = (n: number) => new Date(Date.UTC(2003, 0, n));
    const episode = (createdAt: Date, lastSeenAt: Date, endedAt: Date | null) =>
      db.anomaly.create({
        data: {
          agentId: agent.id,
          environmentId: agent.environmentId,
          actionTypeId: type.id,
          windowStart: createdAt,
          windowEnd: createdAt,
          observed: 100,
          baseline: 5,
          scale: 3,
          zThreshold: 6,
          minCount: 30,
          score: 31,
          peakObserved: 100,
          peakScore: 31,
          action: "alerted",
          actionDetail: "test",
          createdAt,
          lastSeenAt,
          endedAt,
        },
      });
    await episode(day(1), day(2), day(2));
    await episode(day(10), day(12), day(12));
    await episode(day(20), day(20), null);
    expect(await countAnomalies({ agentId: agent.id, since: day(11) })).toBe(2);
    expect(await countAnomalies({ agentId: agent.id, since: day(13) })).toBe(1);
    expect(await countAnomalies({ agentId: agent.id, since: day(21) })).toBe(0);
    expect(
      await countAnomalies({ agentId: agent.id, environmentId: "elsewhere", since: day(1) }),
    ).toBe(0);
    expect(
      await countAnomalies({
        agentId: agent.id,
        environmentId: agent.environmentId,
        since: day(1),
      }),
    ).toBe(3);
    // one open episode per agent and action type: a second is refused by the database
    await expect(episode(day(22), day(22), null)).rejects.toThrow();
  });
});
