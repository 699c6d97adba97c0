import Link from "next/link";
import { notFound } from "next/navigation";
import { can, requirePage } from "@/lib/auth";
import { AppError } from "@/lib/core/errors";
import { toClientProps } from "@/lib/core/serialize";
import { getWorkflow } from "@/lib/workflows";
import { PageHeader } from "@/components/ui";
import { WorkflowDetail } from "@/components/workflows/workflow-detail";

export const metadata = { title: "Workflow" };

export default async function WorkflowPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage("workflows:read", `/workflows/${id}`);
  const detail = await getWorkflow(id).catch((err: unknown) => {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  });
  return (
    <>
      <PageHeader
        title={detail.workflow.name}
        description={
          detail.workflow.description ??
          "Versions are immutable once published: a change is a new version, rolled out as a canary."
        }
      >
        <Link href="/workflows" className="text-sm text-link hover:underline">
          All workflows
        </Link>
      </PageHeader>
      <WorkflowDetail
        initial={toClientProps(detail)}
        now={new Date().toISOString()}
        canEdit={can(user.roles, "workflows:write")}
        canTrip={can(user.roles, "kill_switches:write")}
      />
    </>
  );
}
