import Link from "next/link";
import { notFound } from "next/navigation";
import { can, requirePage } from "@/lib/auth";
import { AppError } from "@/lib/core/errors";
import { toClientProps } from "@/lib/core/serialize";
import { getMatrixVersion } from "@/lib/matrix";
import { PageHeader } from "@/components/ui";
import { VersionEditor } from "@/components/matrix/version-editor";

export const metadata = { title: "Matrix version" };

export default async function MatrixVersionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage("policy:read", `/policy/versions/${id}`);
  const detail = await getMatrixVersion(id).catch((err: unknown) => {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  });
  const v = detail.version;
  return (
    <>
      <PageHeader
        title={`Matrix version ${v.version}${v.status === "draft" ? " (draft)" : ""}`}
        description={
          v.status === "draft"
            ? "Edit the rules, read the changes and what they would have done in the last 30 days, then ask a risk owner to publish."
            : "A published version never changes; roll back to it to make its rules active again."
        }
      >
        <Link href="/policy" className="text-sm text-link hover:underline">
          All versions
        </Link>
      </PageHeader>
      <VersionEditor
        initial={toClientProps(detail)}
        viewerId={user.id}
        canEdit={can(user.roles, "policy:edit")}
        canPublish={can(user.roles, "policy:publish")}
      />
    </>
  );
}
