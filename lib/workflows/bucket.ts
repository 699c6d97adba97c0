import crypto from "node:crypto";

/**
 * Sticky bucket 0–99 for canary rollouts (Unleash-style: hash of `groupId:stickinessId`
 * mod 100). The same account always lands in the same bucket for a workflow, so a canary
 * at 5% → 25% → 100% only ever adds accounts.
 */
export function rolloutBucket(workflowKey: string, stickinessId: string): number {
  const digest = crypto.createHash("sha1").update(`${workflowKey}:${stickinessId}`).digest();
  return digest.readUInt32BE(0) % 100;
}

export type TVersionForRollout = {
  id: string;
  version: number;
  status: string;
  rolloutPercent: number;
};

/**
 * The version a target gets: the newest published version whose rollout covers the
 * target's bucket. A version at 100% is the baseline for every bucket below it.
 */
export function pickWorkflowVersion<T extends TVersionForRollout>(
  versions: readonly T[],
  bucket: number,
): T | null {
  const published = versions
    .filter((v) => v.status === "published")
    .sort((a, b) => b.version - a.version);
  return published.find((v) => bucket < v.rolloutPercent) ?? null;
}
