import { Badge } from "@/components/ui";

const CLASS_TONE: Record<string, "amber" | "red" | "violet" | "gray"> = {
  timeout: "amber",
  unavailable: "amber",
  rate_limited: "amber",
  session_expired: "amber",
  validation: "violet",
  permission: "red",
  not_found: "gray",
  conflict: "gray",
};

export function ErrorClassBadge({ errorClass }: { errorClass: string }) {
  return <Badge tone={CLASS_TONE[errorClass] ?? "red"}>{errorClass.replaceAll("_", " ")}</Badge>;
}

const RESOLUTION_TONE = { retried: "blue", rerouted: "amber", discarded: "gray" } as const;

export function ResolutionBadge({ resolution }: { resolution: string | null }) {
  if (!resolution) return <Badge tone="red">Open</Badge>;
  return (
    <Badge tone={RESOLUTION_TONE[resolution as keyof typeof RESOLUTION_TONE] ?? "gray"}>
      {resolution}
    </Badge>
  );
}

/** 120 ms, 5 s, 10 min, 1 h: the waits of the retry policy and the age of a letter. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.floor(ms / 86_400_000)} d`;
}
