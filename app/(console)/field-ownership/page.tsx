import { toClientProps } from "@/lib/core/serialize";
import { can, requirePage } from "@/lib/auth";
import { listFieldOwnership } from "@/lib/field-ownership";
import { PageHeader } from "@/components/ui";
import { FieldOwnershipBoard } from "@/components/field-ownership/field-ownership-board";

export const metadata = { title: "Field ownership" };

export default async function FieldOwnershipPage() {
  const user = await requirePage("field_ownership:read", "/field-ownership");
  const list = await listFieldOwnership();
  return (
    <>
      <PageHeader
        title="Field ownership"
        description="The system of record of each field, who may write it (agents, integrations, people), what a write does with a newer value, and how fresh an approval must be. The gateway and every write follow it within a second."
      />
      <FieldOwnershipBoard
        initial={toClientProps(list)}
        renderedAt={new Date().toISOString()}
        canWrite={can(user.roles, "field_ownership:write")}
      />
    </>
  );
}
