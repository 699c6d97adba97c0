import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listConnections } from "@/lib/environments";
import { PageHeader } from "@/components/ui";
import { EnvironmentCard } from "@/components/environment-card";

export const metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  const user = await requirePage("environments:read", "/environments");
  const envs = await listConnections();
  const canEdit = can(user.roles, "environments:write");
  return (
    <>
      <PageHeader
        title="Environments"
        description="Each environment's Salesforce connection: whether it works, how much of the org's daily API allowance is used, and the last error."
      />
      <div className="grid gap-4 lg:grid-cols-2 xl:grid-cols-3">
        {envs.map((e) => (
          <EnvironmentCard key={e.slug} env={toClientProps(e)} canEdit={canEdit} />
        ))}
      </div>
    </>
  );
}
