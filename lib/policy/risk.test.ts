import { describe, expect, it } from "vitest";
import { riskLabel, riskScore } from "./risk";

describe("riskScore", () => {
  const base = {
    mode: "human_in_the_loop",
    rule: "opportunity.change_stage/default",
    requiredApprovals: 1,
    actionType: "opportunity.change_stage",
    environmentSlug: "dev",
  };
  it("orders raised, human-only, multi-approval, amount and production work higher", () => {
    expect(riskScore(base)).toBe(0);
    expect(riskScore({ ...base, rule: "opportunity.change_stage/late-stage" })).toBe(30);
    expect(riskScore({ ...base, mode: "human_only" })).toBe(40);
    expect(riskScore({ ...base, environmentSlug: "prod" })).toBe(10);
    expect(
      riskScore({
        ...base,
        rule: "opportunity.change_amount_or_close_date/large",
        actionType: "opportunity.change_amount_or_close_date",
        requiredApprovals: 2,
        environmentSlug: "prod",
      }),
    ).toBe(60);
    expect(riskLabel(60)).toBe("high");
    expect(riskLabel(30)).toBe("elevated");
    expect(riskLabel(0)).toBe("normal");
  });
});
