import "server-only";

/**
 * The "no anomaly in N days" criterion's count. Anomaly detection (lib/anomalies, issue 14
 * item 3) has not landed: there is no table of anomalies to read, so this reads zero rows and
 * says so (`available: false`), and the gate shows the criterion as "not measured yet" rather
 * than as a clean record. Replace the body with lib/anomalies' countAnomalies when it lands.
 */
export async function countAnomaliesBeforeDetectorLands(_input: {
  agentId: string;
  environmentId: string;
  since: Date;
}): Promise<{ count: number; available: boolean }> {
  return { count: 0, available: false };
}
