import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { getEffectiveRetryPolicy } from "@/lib/execution/dead-letters";
import { PageHeader } from "@/components/ui";
import { RetryPolicyBoard } from "@/components/people/retry-policy-board";

export const metadata = { title: "Retry policies" };

export default async function RetryPoliciesPage() {
  const me = await requirePage("retry_policies:read", "/settings/retry-policies");
  const rows = await getEffectiveRetryPolicy();
  return (
    <>
      <PageHeader
        title="Retry policies"
        description="What execution does when Salesforce answers with each class of error: how many tries in all, and how long it waits between them (first wait × factor each time, up to the longest wait). A conflict always goes back to a person."
      />
      <RetryPolicyBoard
        initial={toClientProps(rows)}
        renderedAt={new Date().toISOString()}
        canWrite={can(me.roles, "retry_policies:write")}
      />
    </>
  );
}
