import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { AppError } from "@/lib/core/errors";
import { getRequestHistory } from "@/lib/requests/request-history";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui";
import { RequestHistory } from "@/components/request-history/request-history";

export const metadata = { title: "Request" };

export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage("requests:read", `/requests/${encodeURIComponent(id)}`);
  const history = await getRequestHistory(id).catch((e) => {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  });
  return (
    <>
      <PageHeader
        title="Request"
        description="Everything that happened to one agent write: what was proposed and why, the policy decision, who approved it, each execution try, what changed in Salesforce, and every audit event."
      />
      <RequestHistory
        initial={toClientProps(history)}
        renderedAt={new Date().toISOString()}
        canRevert={can(user.roles, "requests:revert")}
      />
    </>
  );
}
