"use client";

import { useState } from "react";
import { Button, useHydrated } from "@/components/ui";
import type { TAgentStatusAction } from "@/lib/agents/schemas";
import {
  AgentStatusDialog,
  CreateAgentDialog,
  EditAgentDialog,
  type TEditableAgent,
  type TOwner,
} from "./agent-forms";

/** The agent page's lifecycle buttons: edit, suspend or resume, retire. None once retired. */
export function AgentActions(props: {
  agent: TEditableAgent & { status: "active" | "suspended" | "retired" };
  owners: TOwner[];
}) {
  const hydrated = useHydrated();
  const [editing, setEditing] = useState(false);
  const [action, setAction] = useState<TAgentStatusAction | null>(null);
  const { status } = props.agent;
  if (status === "retired") return null;
  return (
    <div className="flex flex-wrap gap-2">
      <Button variant="secondary" disabled={!hydrated} onClick={() => setEditing(true)}>
        Edit
      </Button>
      {status === "active" ? (
        <Button variant="secondary" disabled={!hydrated} onClick={() => setAction("suspend")}>
          Suspend
        </Button>
      ) : (
        <Button variant="secondary" disabled={!hydrated} onClick={() => setAction("resume")}>
          Resume
        </Button>
      )}
      <Button variant="danger-outline" disabled={!hydrated} onClick={() => setAction("retire")}>
        Retire
      </Button>
      {editing && (
        <EditAgentDialog
          agent={props.agent}
          owners={props.owners}
          open={editing}
          onOpenChange={setEditing}
        />
      )}
      <AgentStatusDialog
        agentId={props.agent.id}
        agentName={props.agent.name}
        action={action}
        onClose={() => setAction(null)}
      />
    </div>
  );
}

/** The Agents page's "New agent" button, for the environment shown. */
export function NewAgentButton(props: {
  environment: { slug: string; name: string };
  owners: TOwner[];
}) {
  const hydrated = useHydrated();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button disabled={!hydrated} onClick={() => setOpen(true)}>
        New agent
      </Button>
      <CreateAgentDialog
        environment={props.environment}
        owners={props.owners}
        open={open}
        onOpenChange={setOpen}
      />
    </>
  );
}
