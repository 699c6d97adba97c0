import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listBackouts } from "@/lib/backouts";
import { requestFacets } from "@/lib/requests";
import { PageHeader } from "@/components/ui";
import { BackoutList } from "@/components/backouts/backout-list";
import { NewBackoutForm } from "@/components/backouts/new-backout-form";

export const metadata = { title: "Backouts" };

export default async function BackoutsPage() {
  const user = await requirePage("requests:read", "/backouts");
  const canPlan = can(user.roles, "requests:revert");
  const [backouts, facets] = await Promise.all([
    listBackouts(user),
    canPlan ? requestFacets() : null,
  ]);
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Backouts"
        description="Undo an agent's writes in bulk: a dry run reads every record back from Salesforce and plans each field (restore, conflict, already back); a second person starts it, and the reverts are written in batches with live progress."
      />
      <div className="space-y-4">
        {facets && (
          <NewBackoutForm
            facets={toClientProps(facets)}
            window={{
              from: new Date(Math.floor((now - 24 * 3_600_000) / 60_000) * 60_000).toISOString(),
              to: new Date(Math.ceil((now + 60_000) / 60_000) * 60_000).toISOString(),
            }}
          />
        )}
        <BackoutList initial={toClientProps(backouts)} />
      </div>
    </>
  );
}
