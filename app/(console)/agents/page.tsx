import Link from "next/link";
import { requirePage } from "@/lib/auth";
import { listAgents } from "@/lib/agents";
import { listEnvironments } from "@/lib/environments";
import { Badge, EmptyState, PageHeader, TableFrame } from "@/components/ui";
import { formatTime } from "@/components/format";

export const metadata = { title: "Agents" };

const PHASE_TONE = { observe: "gray", propose: "amber", execute: "green" } as const;
const STATUS_TONE = { active: "green", suspended: "amber", retired: "gray" } as const;

export default async function AgentsPage({
  searchParams,
}: {
  searchParams: Promise<{ env?: string }>;
}) {
  await requirePage("agents:read", "/agents");
  const envs = await listEnvironments();
  const { env: envParam } = await searchParams;
  const env = envs.find((e) => e.slug === envParam) ?? envs.find((e) => e.isProduction) ?? envs[0];
  const agents = env ? await listAgents(env.slug) : [];
  const now = new Date();

  return (
    <>
      <PageHeader
        title="Agents"
        description="Agent identities per environment: who owns each, which phase it is in, and what its grants let it write."
      />
      <div role="tablist" aria-label="Environment" className="mb-4 flex gap-1">
        {envs.map((e) => (
          <Link
            key={e.slug}
            role="tab"
            aria-selected={e.slug === env?.slug}
            href={`/agents?env=${e.slug}`}
            className={`rounded-md px-3 py-1.5 text-sm ${e.slug === env?.slug ? "bg-slate-900 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
          >
            {e.name}
          </Link>
        ))}
      </div>
      {agents.length === 0 ? (
        <EmptyState title="No agents in this environment">
          Agent identities appear here once an admin creates them.
        </EmptyState>
      ) : (
        <TableFrame label={`Agents in ${env?.name ?? "this environment"}`} minWidth="64rem">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2 font-medium">Agent</th>
              <th className="px-4 py-2 font-medium">Owner</th>
              <th className="px-4 py-2 font-medium">Phase</th>
              <th className="px-4 py-2 font-medium">Status</th>
              <th className="px-4 py-2 font-medium">Scopes</th>
              <th className="px-4 py-2 font-medium">Limits</th>
              <th className="px-4 py-2 text-right font-medium">Requests (30 d)</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {agents.map((a) => (
              <tr key={a.id} data-testid={`agent-${a.slug}`} className="align-top">
                <td className="px-4 py-3">
                  <Link
                    href={`/agents/${a.id}`}
                    className="font-medium text-indigo-700 hover:underline"
                  >
                    {a.name}
                  </Link>
                  <div className="font-mono text-xs text-slate-500">{a.slug}</div>
                  {a.description && (
                    <div className="mt-1 max-w-xs text-xs text-slate-500">{a.description}</div>
                  )}
                </td>
                <td className="px-4 py-3">
                  <div>{a.owner.name}</div>
                  <div className="text-xs text-slate-500">{a.owner.email}</div>
                </td>
                <td className="px-4 py-3">
                  <Badge tone={PHASE_TONE[a.phase as keyof typeof PHASE_TONE]}>{a.phase}</Badge>
                </td>
                <td className="px-4 py-3">
                  <Badge tone={STATUS_TONE[a.status as keyof typeof STATUS_TONE]}>{a.status}</Badge>
                </td>
                <td className="px-4 py-3">
                  <div className="mb-1 text-xs text-slate-500">
                    {a.permissionSets.join(", ") || "No permission set"}
                  </div>
                  <ul className="space-y-1">
                    {a.grants.map((g, i) => (
                      <li
                        key={i}
                        className={`text-xs ${g.active ? "" : "text-slate-400 line-through"}`}
                      >
                        <span className="font-medium">{g.object}</span> · {g.operations.join("/")}
                        {g.fields.length > 0 && <> · {g.fields.join(", ")}</>}
                        {g.condition && (
                          <div className="font-mono text-[11px] text-slate-500">
                            where {g.condition}
                          </div>
                        )}
                        {g.validUntil && (
                          <div className="text-[11px] text-amber-700">
                            {g.validUntil > now ? "elevated until " : "expired "}
                            {formatTime(g.validUntil)}
                          </div>
                        )}
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="whitespace-nowrap px-4 py-3 text-xs text-slate-600">
                  <div>{a.callsPerMinute} calls/min</div>
                  <div>{a.writesPerHour} writes/h</div>
                  <div className="text-slate-400">
                    {a.activeKeys} active key{a.activeKeys === 1 ? "" : "s"}
                  </div>
                </td>
                <td className="px-4 py-3 text-right tabular-nums">{a.requestsLast30d}</td>
              </tr>
            ))}
          </tbody>
        </TableFrame>
      )}
    </>
  );
}
