import { z } from "zod";

/**
 * The zod schemas of the phase gates, shared by the forms (client) and the routes (server):
 * the promotion criteria a risk owner sets per agent (an agent lives in one environment, so
 * per agent and environment), and a promotion or demotion an ops owner asks for.
 */

export const PHASES = ["observe", "propose", "execute"] as const;
export type TPhase = (typeof PHASES)[number];

/** The phase a promotion leads to (null in execute: there is nothing above it). */
export function nextPhase(p: TPhase): TPhase | null {
  return PHASES[PHASES.indexOf(p) + 1] ?? null;
}

/**
 * The seed's hard criteria as defaults: ≥ 200 proposals in the current phase, reversal under
 * 2 %, exception under 10 %, no anomaly in 14 days, zero P0 incidents in a 30-day window.
 */
export const DEFAULT_CRITERIA = {
  minProposals: 200,
  maxReversalRate: 0.02,
  maxExceptionRate: 0.1,
  anomalyFreeDays: 14,
  windowDays: 30,
  autoDemote: false,
} as const;

const ZReason = z
  .string()
  .trim()
  .min(3, "Say why (at least 3 characters)")
  .max(2000, "At most 2,000 characters");

const ZRate = (what: string) =>
  z.number(`${what}: a number`).gt(0, `${what}: above 0 %`).max(1, `${what}: at most 100 %`);

/**
 * Promotion criteria: rates as fractions (the form shows percents and sends fractions). The
 * reason is always asked: loosening a gate widens what agents may do, tightening it changes
 * who may be promoted.
 */
export const ZPromotionCriteriaInput = z
  .object({
    minProposals: z
      .number("Proposals: a number")
      .int("Proposals: a whole number")
      .min(0, "Proposals: at least 0")
      .max(1_000_000, "Proposals: at most 1,000,000"),
    maxReversalRate: ZRate("Reversal rate"),
    maxExceptionRate: ZRate("Exception rate"),
    anomalyFreeDays: z
      .number("Days without an anomaly: a number")
      .int("Days without an anomaly: whole days")
      .min(0, "Days without an anomaly: at least 0")
      .max(90, "Days without an anomaly: at most 90"),
    windowDays: z
      .number("Window: a number")
      .int("Window: whole days")
      .min(1, "Window: at least 1 day")
      .max(90, "Window: at most 90 days"),
    autoDemote: z.boolean("Automatic demotion: on or off"),
    reason: ZReason,
  })
  .strict();
export type TPromotionCriteriaInput = z.input<typeof ZPromotionCriteriaInput>;
export type TPromotionCriteria = Omit<z.output<typeof ZPromotionCriteriaInput>, "reason">;

/**
 * A phase change asked for in the console: the phase the person saw (a change made meanwhile
 * by someone else is refused, not applied on top), the phase wanted and why.
 */
export const ZPhaseChangeInput = z
  .object({
    from: z.enum(PHASES, "The phase the agent is in"),
    to: z.enum(PHASES, "The phase to move to"),
    reason: ZReason,
  })
  .strict()
  .refine((v) => v.from !== v.to, { path: ["to"], message: "Choose another phase" });
export type TPhaseChangeInput = z.input<typeof ZPhaseChangeInput>;
