import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { AppError } from "@/lib/core/errors";
import { getBackout } from "@/lib/backouts";
import { PageHeader } from "@/components/ui";
import { BackoutDetail } from "@/components/backouts/backout-detail";

export const metadata = { title: "Backout" };

export default async function BackoutPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage("requests:read", `/backouts/${encodeURIComponent(id)}`);
  const backout = await getBackout(id, user).catch((e) => {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  });
  return (
    <>
      <PageHeader
        title="Backout"
        description="A bulk undo of agent writes: the dry run's plan field by field, who may start it, and its progress as the reverts are written."
      />
      <BackoutDetail initial={toClientProps(backout)} />
    </>
  );
}
