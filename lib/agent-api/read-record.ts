import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { AppError } from "@/lib/core/errors";
import { ConnectorError } from "@/lib/connectors/salesforce";
import { cachedConnectorFor, type connectorFor } from "@/lib/environments";
import type { TActionRequestInput } from "./contract";
import { checkFieldTypes } from "./field-types";
import type { TRefusal } from "./persist-action-request";

export type TRecordRead =
  | {
      kind: "read";
      /** the record's values in Salesforce; null for a create */
      current: Record<string, unknown> | null;
      /** the connector the record was read with, reused for the inbox's record summary */
      sf: Awaited<ReturnType<typeof connectorFor>> | null;
    }
  | { kind: "not_found"; refusal: TRefusal; reasons: string[] };

/**
 * Step 3: the proposed values against the object's field types (cached describe), then the
 * record from Salesforce. A missing record is a refusal to store; Salesforce being unreachable
 * is a 503 with nothing stored.
 */
export async function readRecord(
  agent: TAuthenticatedAgent,
  input: TActionRequestInput,
  operation: string,
): Promise<TRecordRead> {
  await checkFieldTypes(agent.environmentSlug, input.target.object, operation, input.changes);

  const recordId = input.target.recordId ?? null;
  if (operation === "create" || !recordId) return { kind: "read", current: null, sf: null };
  try {
    const sf = await cachedConnectorFor(agent.environmentSlug);
    return { kind: "read", current: (await sf.read(input.target.object, recordId)).record, sf };
  } catch (e) {
    if (e instanceof ConnectorError && e.errorClass === "not_found") {
      return {
        kind: "not_found",
        refusal: {
          code: "record_not_found",
          detail: `${input.target.object} ${recordId} does not exist in Salesforce`,
        },
        reasons: ["Record not found in the system of record"],
      };
    }
    if (e instanceof ConnectorError) {
      // the connector's message can name internal hosts and ports: logged, never returned
      console.error(`[agent-api] reading ${input.target.object} ${recordId} failed:`, e.message);
      throw new AppError(
        "system_unavailable",
        `Salesforce could not be read (${e.errorClass.replaceAll("_", " ")}). Nothing was recorded; retry with the same idempotency key.`,
        { headers: { "retry-after": "5" } },
      );
    }
    throw e;
  }
}
