import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { AppError } from "@/lib/core/errors";
import { getRecordTimeline } from "@/lib/requests/record-timeline";
import { PageHeader } from "@/components/ui";
import { RecordTimeline } from "@/components/request-history/record-timeline";

export const metadata = { title: "Record timeline" };

export default async function RecordPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ env?: string }>;
}) {
  const { id } = await params;
  const { env } = await searchParams;
  await requirePage("requests:read", `/records/${encodeURIComponent(id)}`);
  const timeline = await getRecordTimeline(id, env ? { env } : {}).catch((e) => {
    // a malformed id or an unknown environment: the page does not exist
    if (e instanceof AppError && e.code === "invalid_query") notFound();
    throw e;
  });
  return (
    <>
      <PageHeader
        title="Record timeline"
        description="Why did this field change? Every Tollgate request on this record — who proposed it, who approved it and why — beside the changes Salesforce's field history shows that Tollgate did not make."
      />
      <RecordTimeline initial={toClientProps(timeline)} env={env ?? null} />
    </>
  );
}
