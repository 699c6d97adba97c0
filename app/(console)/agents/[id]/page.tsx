import Link from "next/link";
import { toClientProps } from "@/lib/core/serialize";
import { notFound } from "next/navigation";
import { can, requirePage } from "@/lib/auth";
import {
  getAgent,
  listAgentGrants,
  listElevations,
  listOwnerOptions,
  listPermissionReviews,
} from "@/lib/agents";
import { AppError } from "@/lib/core/errors";
import { Alert, Badge, Card, PageHeader } from "@/components/ui";
import { AgentKeys } from "@/components/agent-keys";
import { AgentCallback } from "@/components/agents/agent-callback";
import { AgentGrantsCard } from "@/components/agents/agent-grants-card";
import { AgentElevations } from "@/components/agents/agent-elevations";
import { AgentActions } from "@/components/agents/agent-actions";
import { PermissionReviews } from "@/components/agents/permission-reviews";
import { formatTime } from "@/components/format";
import { PhaseGate } from "@/components/gates/phase-gate";
import { evaluateGate, listPhaseChanges } from "@/lib/gates";

export const metadata = { title: "Agent" };

const PHASE_TONE = { observe: "gray", propose: "amber", execute: "green" } as const;
const STATUS_TONE = { active: "green", suspended: "amber", retired: "gray" } as const;

async function load(id: string) {
  try {
    return await getAgent(id);
  } catch (e) {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  }
}

export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage("agents:read", `/agents/${id}`);
  const agent = await load(id);
  const now = new Date();
  const elevations = await listElevations(id, now);
  const grants = await listAgentGrants(id, now);
  const reviews = await listPermissionReviews(id, now);
  const gate = { gate: await evaluateGate(id, now), changes: await listPhaseChanges(id) };
  const canWrite = can(user.roles, "agents:write");
  const owners = canWrite && agent.status !== "retired" ? await listOwnerOptions() : [];

  return (
    <>
      <Link
        href={`/agents?env=${agent.environment.slug}`}
        className="text-sm text-link hover:underline"
      >
        ← Agents in {agent.environment.name}
      </Link>
      <div className="mt-2">
        <PageHeader title={agent.name} description={agent.description ?? undefined}>
          <div className="flex gap-2" data-testid="agent-badges">
            <Badge tone={agent.environment.isProduction ? "violet" : "blue"}>
              {agent.environment.name}
            </Badge>
            <Badge tone={PHASE_TONE[agent.phase]}>{agent.phase}</Badge>
            <Badge tone={STATUS_TONE[agent.status]}>{agent.status}</Badge>
          </div>
        </PageHeader>
      </div>
      {canWrite && (
        <div className="-mt-3 mb-4">
          <AgentActions
            agent={{
              id: agent.id,
              name: agent.name,
              description: agent.description,
              ownerId: agent.ownerId,
              callsPerMinute: agent.callsPerMinute,
              writesPerHour: agent.writesPerHour,
              updatedAt: agent.updatedAt.toISOString(),
              status: agent.status,
            }}
            owners={owners}
          />
        </div>
      )}
      {agent.status === "retired" && (
        <Alert tone="info" className="mb-4">
          This agent is retired: its requests are refused for good, and it cannot be changed,
          resumed or elevated.
        </Alert>
      )}

      {agent.killSwitch && (
        <Alert tone="error" className="mb-4">
          This agent&apos;s kill switch is engaged since {formatTime(agent.killSwitch.engagedAt)}
          {agent.killSwitch.reason && <>: “{agent.killSwitch.reason}”</>}.{" "}
          <Link href="/kill-switches" className="font-medium underline">
            Kill switches
          </Link>
        </Alert>
      )}

      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        <InfoCard title="Identity">
          <Row label="Slug" value={agent.slug} mono />
          <Row label="Agent id" value={agent.id} mono />
          <Row label="Environment" value={agent.environment.slug} mono />
          <Row label="Created" value={formatTime(agent.createdAt)} />
        </InfoCard>
        <InfoCard title="Owner">
          <div data-testid="agent-owner">
            <div className="font-medium">{agent.owner.name}</div>
            <div className="text-muted">{agent.owner.email}</div>
          </div>
        </InfoCard>
        <InfoCard title="Rate limits">
          <Row label="Calls" value={`${agent.callsPerMinute} per minute`} />
          <Row label="Writes" value={`${agent.writesPerHour} per hour`} />
        </InfoCard>
      </div>

      <PhaseGate
        agentId={agent.id}
        agentName={agent.name}
        initial={toClientProps(gate)}
        renderedAt={now.toISOString()}
        canPromote={can(user.roles, "agents:promote")}
        canSetCriteria={can(user.roles, "promotion_criteria:write")}
        retired={agent.status === "retired"}
      />

      <AgentGrantsCard
        agentId={agent.id}
        initial={toClientProps(grants)}
        renderedAt={now.toISOString()}
        canEdit={can(user.roles, "grants:write")}
        retired={agent.status === "retired"}
      />

      <PermissionReviews
        agentId={agent.id}
        initial={toClientProps(reviews)}
        renderedAt={now.toISOString()}
        canReview={can(user.roles, "permission_reviews:write")}
      />

      <AgentElevations
        agentId={agent.id}
        agentName={agent.name}
        initial={toClientProps(elevations)}
        renderedAt={now.toISOString()}
        canElevate={can(user.roles, "agents:elevate")}
        canEnd={can(user.roles, "grants:write")}
        retired={agent.status === "retired"}
      />

      <AgentCallback
        agentId={agent.id}
        agentName={agent.name}
        url={agent.callbackUrl}
        canWrite={canWrite && agent.status !== "retired"}
      />

      <AgentKeys
        agentId={agent.id}
        keys={toClientProps(agent.keys)}
        canWrite={can(user.roles, "agent_keys:write")}
        retired={agent.status === "retired"}
      />
    </>
  );
}

function InfoCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card className="text-sm">
      <h2 className="mb-3 font-semibold">{title}</h2>
      <div className="space-y-1.5">{children}</div>
    </Card>
  );
}

function Row({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <div className="flex justify-between gap-3">
      <span className="shrink-0 text-muted">{label}</span>
      <span className={`min-w-0 text-right ${mono ? "break-all font-mono text-xs" : ""}`}>
        {value}
      </span>
    </div>
  );
}
