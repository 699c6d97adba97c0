import { can, requirePage } from "@/lib/auth";
import { listAnomalies, listAnomalyRules, listDigests, ruleChoices } from "@/lib/anomalies";
import { BASELINE_DAYS, RECENT_HOURS } from "@/lib/anomalies/score";
import { Card, PageHeader } from "@/components/ui";
import { AnomalyBoard } from "@/components/anomalies/anomaly-board";

export const metadata = { title: "Anomalies" };

export default async function AnomaliesPage() {
  const user = await requirePage("anomalies:read", "/anomalies");
  const [anomalies, rules, digests, choices] = await Promise.all([
    listAnomalies(),
    listAnomalyRules(),
    listDigests(),
    ruleChoices(),
  ]);
  return (
    <>
      <PageHeader
        title="Anomalies"
        description="Spikes in an agent's rate of one action type against its own history: what fired, the figures, what was done — and the weekly digest."
      />
      <Card padding="md" className="mb-6 text-sm" aria-labelledby="anomaly-method">
        <h2 id="anomaly-method" className="mb-2 font-semibold">
          How an anomaly is found
        </h2>
        <p className="text-slate-700">
          Every 30 seconds, for each agent and action type with requests in the last hour: the count
          of its writes (its requests, unless refused: denied, discarded or expired) in the window
          is compared with the agent&apos;s own hourly counts of that type in the same hour on each
          of the previous {BASELINE_DAYS} days and in the {RECENT_HOURS} hours before this one, each
          scaled to the window. <strong>Expected</strong> is their median; the{" "}
          <strong>spread</strong> is 1.4826 × their median absolute deviation, at least √expected
          and at least 1; the <strong>score</strong> is (in the window − expected) ÷ spread. A rule
          fires when the score reaches its threshold <em>and</em> the window holds at least its
          floor of requests, so a quiet or brand-new agent (no history: expected 0) does not fire on
          a handful of requests, <em>and</em> the last 60 minutes also score at least the threshold
          against the same hourly counts, so an agent whose usual hour arrives in one burst does not
          fire on every burst. It fires once per episode: alerted here, by a signed webhook to the
          on-call group and, where the rule says so, by tripping the agent&apos;s kill switch. If a
          person resets that switch, it is tripped again only if the episode&apos;s score rises
          above its peak. The episode ends after a whole window below the threshold.
        </p>
      </Card>
      <AnomalyBoard
        initial={{ anomalies, rules, digests }}
        agents={choices.agents}
        actionTypes={choices.actionTypes}
        canAcknowledge={can(user.roles, "anomalies:acknowledge")}
        canEditRules={can(user.roles, "anomaly_rules:write")}
        canSendDigest={can(user.roles, "digest:send")}
      />
    </>
  );
}
