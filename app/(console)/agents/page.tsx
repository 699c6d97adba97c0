import Link from "next/link";
import { can, requirePage } from "@/lib/auth";
import { listAgents, listOwnerOptions } from "@/lib/agents";
import { listEnvironments } from "@/lib/environments";
import { Badge, Button, EmptyState, PageHeader, Table } from "@/components/ui";
import { GrantList } from "@/components/agent-grants";
import { NewAgentButton } from "@/components/agents/agent-actions";

export const metadata = { title: "Agents" };

const PHASE_TONE = { observe: "gray", propose: "amber", execute: "green" } as const;
const STATUS_TONE = { active: "green", suspended: "amber", retired: "gray" } as const;

export default async function AgentsPage({
  searchParams,
}: {
  searchParams: Promise<{ env?: string }>;
}) {
  const user = await requirePage("agents:read", "/agents");
  const envs = await listEnvironments();
  const { env: envParam } = await searchParams;
  const env = envs.find((e) => e.slug === envParam) ?? envs.find((e) => e.isProduction) ?? envs[0];
  const agents = env ? await listAgents(env.slug) : [];
  const now = new Date();
  const owners = can(user.roles, "agents:write") ? await listOwnerOptions() : null;

  return (
    <>
      <PageHeader
        title="Agents"
        description="Agent identities per environment: who owns each, which phase it is in, and what its grants let it write."
      >
        {owners && env && (
          <NewAgentButton environment={{ slug: env.slug, name: env.name }} owners={owners} />
        )}
      </PageHeader>
      <div role="tablist" aria-label="Environment" className="mb-4 flex gap-1">
        {envs.map((e) => (
          <Button
            key={e.slug}
            asChild
            size="md"
            variant={e.slug === env?.slug ? "primary" : "secondary"}
          >
            <Link role="tab" aria-selected={e.slug === env?.slug} href={`/agents?env=${e.slug}`}>
              {e.name}
            </Link>
          </Button>
        ))}
      </div>
      {agents.length === 0 ? (
        <EmptyState title="No agents in this environment">
          Agent identities appear here once an admin or ops owner creates them.
        </EmptyState>
      ) : (
        <Table.Frame label={`Agents in ${env?.name ?? "this environment"}`} minWidth="64rem">
          <Table.Header
            columns={[
              "Agent",
              "Owner",
              "Phase",
              "Status",
              "Scopes",
              "Limits",
              { label: "Requests (30 d)", key: "Requests (30 d)", align: "right" },
            ]}
          />
          <Table.Body>
            {agents.map((a) => (
              <tr key={a.id} data-testid={`agent-${a.slug}`} className="align-top">
                <Table.Cell>
                  <Link href={`/agents/${a.id}`} className="font-medium text-link hover:underline">
                    {a.name}
                  </Link>
                  <div className="font-mono text-xs text-muted">{a.slug}</div>
                  {a.description && (
                    <div className="mt-1 max-w-xs text-xs text-muted">{a.description}</div>
                  )}
                </Table.Cell>
                <Table.Cell>
                  <div>{a.owner.name}</div>
                  <div className="text-xs text-muted">{a.owner.email}</div>
                </Table.Cell>
                <Table.Cell>
                  <Badge tone={PHASE_TONE[a.phase as keyof typeof PHASE_TONE]}>{a.phase}</Badge>
                </Table.Cell>
                <Table.Cell>
                  <Badge tone={STATUS_TONE[a.status as keyof typeof STATUS_TONE]}>{a.status}</Badge>
                </Table.Cell>
                <Table.Cell>
                  <div className="mb-1 text-xs text-muted">
                    {a.permissionSets.join(", ") || "No permission set"}
                  </div>
                  <GrantList grants={a.grants} now={now} size="xs" />
                </Table.Cell>
                <Table.Cell className="whitespace-nowrap text-xs text-muted">
                  <div>{a.callsPerMinute} calls/min</div>
                  <div>{a.writesPerHour} writes/h</div>
                  <div className="text-muted">
                    {a.activeKeys} active key{a.activeKeys === 1 ? "" : "s"}
                  </div>
                </Table.Cell>
                <Table.Cell align="right" className="tabular-nums">
                  {a.requestsLast30d}
                </Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}
    </>
  );
}
