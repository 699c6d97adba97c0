import { beforeAll, describe, expect, it } from "vitest";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { DEFAULT_MATRIX } from "@/lib/seed/demo-fixtures";
import { listAgents } from "@/lib/agents";
import { getActiveMatrix } from "@/lib/matrix";
import { listUsers } from "@/lib/users";
import { AppError } from "@/lib/core/errors";

describe("console services", () => {
  beforeAll(async () => {
    await seedDemoOrg();
  });

  it("lists an environment's agents with owner, phase and scopes", async () => {
    // other test files add agents of their own: look at the demo ones
    const agents = (await listAgents("prod")).filter((a) => !a.slug.startsWith("agent-"));
    expect(agents.map((a) => a.slug)).toEqual([
      "lead-enrichment-bot",
      "lead-routing-bot",
      "pipeline-hygiene-bot",
      "quote-assistant",
    ]);
    const hygiene = agents.find((a) => a.slug === "pipeline-hygiene-bot")!;
    expect(hygiene.owner.email).toBe("aemanager@tollgate.demo");
    expect(hygiene.phase).toBe("execute");
    expect(
      hygiene.grants.some(
        (g) =>
          g.object === "Opportunity" &&
          g.fields.includes("StageName") &&
          g.condition?.includes("Amount < 500000"),
      ),
    ).toBe(true);
    // the time-bounded elevation shows as active with its end date
    expect(hygiene.grants.find((g) => g.validUntil)?.active).toBe(true);
    expect(hygiene.requestsLast30d).toBeGreaterThan(0);
    const staging = await listAgents("staging");
    expect(staging.find((a) => a.slug === "quote-assistant")?.phase).toBe("observe");
  });

  it("404s an unknown environment", async () => {
    await expect(listAgents("nope")).rejects.toMatchObject({ status: 404, code: "not_found" });
    await expect(listAgents("nope")).rejects.toBeInstanceOf(AppError);
  });

  it("reads the active matrix in the seed's row order", async () => {
    const m = await getActiveMatrix();
    expect(m?.version).toBe(1);
    expect(m?.rules.map((r) => r.actionType)).toEqual(DEFAULT_MATRIX.map((r) => r.actionType));
    expect(m?.rules.find((r) => r.actionType === "lead.convert")?.approverName).toBe(
      "RevOps on-call",
    );
  });

  it("never returns password hashes", async () => {
    const users = await listUsers();
    expect(users.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(users)).not.toMatch(/\$2[aby]\$/);
  });
});
