import { z } from "zod";

/** The incident log's words and schemas, shared by the /incidents page (client) and its routes. */

export const SEVERITIES = ["P0", "P1", "P2", "P3"] as const;
export type TSeverity = (typeof SEVERITIES)[number];

export const SEVERITY_LABELS: Record<TSeverity, string> = {
  P0: "P0 — data damaged in a system of record",
  P1: "P1 — wrong writes, contained",
  P2: "P2 — degraded, no damage",
  P3: "P3 — noise, nothing to do",
};

export const INCIDENT_SOURCES = [
  "anomaly",
  "reconciliation_drift",
  "dead_letter_burst",
  "manual",
] as const;
export type TIncidentSource = (typeof INCIDENT_SOURCES)[number];

export const SOURCE_LABELS: Record<TIncidentSource, string> = {
  anomaly: "Anomaly",
  reconciliation_drift: "Reconciliation drift",
  dead_letter_burst: "Dead-letter burst",
  manual: "Opened by a person",
};

const ZReason = z
  .string()
  .trim()
  .min(3, "Say why (at least 3 characters)")
  .max(2000, "At most 2,000 characters");

/** A person's triage: the severity, and why. */
export const ZSetSeverityInput = z
  .object({ severity: z.enum(SEVERITIES, "Choose P0, P1, P2 or P3"), reason: ZReason })
  .strict();
export type TSetSeverityInput = z.input<typeof ZSetSeverityInput>;

export const ZCloseIncidentInput = z.object({ reason: ZReason }).strict();
export type TCloseIncidentInput = z.input<typeof ZCloseIncidentInput>;

/** An incident a person opens by hand, about one agent (so its gate counts it). */
export const ZOpenIncidentInput = z
  .object({
    agentId: z.string().trim().min(1, "Choose an agent").max(64),
    title: z.string().trim().min(3, "At least 3 characters").max(200, "At most 200 characters"),
    reason: ZReason,
  })
  .strict();
export type TOpenIncidentInput = z.input<typeof ZOpenIncidentInput>;

const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((s) => s || undefined);

/** The list's filters as they stand in the URL. */
export const ZIncidentQuery = z
  .object({
    state: z
      .string()
      .optional()
      .transform((s) => s || "open")
      .pipe(z.enum(["open", "closed", "all"], "open, closed or all")),
    agent: optional(64),
    source: optional(40).pipe(z.enum(INCIDENT_SOURCES, "An incident source").optional()),
    severity: optional(20).pipe(z.enum([...SEVERITIES, "untriaged"], "A severity").optional()),
  })
  .strip();
export type TIncidentQueryInput = z.input<typeof ZIncidentQuery>;
export type TIncidentQuery = z.output<typeof ZIncidentQuery>;
