"use client";

import { useState } from "react";
import { Alert, Badge, Button, Card, Field, Select, Table } from "@/components/ui";
import { formatTime } from "@/components/format";
import { WEEKDAYS } from "@/lib/groups/group-input";
import { useGroupChange, useGroups, type TGroup } from "./group-queries";
import { CreateGroup, GroupSlaForm, GroupWebhookForm, RotationForm } from "./group-forms";

type TPerson = { id: string; name: string };

/** Every approver group as a card: members, who is on call, and (admins) the forms. */
export function GroupBoard({
  initial,
  renderedAt,
  people,
  canWrite,
}: {
  initial: TGroup[];
  renderedAt: string;
  people: TPerson[];
  canWrite: boolean;
}) {
  const groups = useGroups(initial, renderedAt).data;
  return (
    <div className="space-y-6">
      {canWrite && (
        <div className="flex justify-end">
          <CreateGroup />
        </div>
      )}
      {groups.map((g) => (
        <GroupCard key={g.id} group={g} people={people} canWrite={canWrite} />
      ))}
    </div>
  );
}

function GroupCard({
  group,
  people,
  canWrite,
}: {
  group: TGroup;
  people: TPerson[];
  canWrite: boolean;
}) {
  const r = group.rotation;
  return (
    <Card data-testid={`group-${group.key}`} aria-label={group.name}>
      <div className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h2 className="text-base font-semibold">
            {group.name}{" "}
            {group.isOnCall && (
              <Badge tone="amber" className="ml-1">
                escalations go here
              </Badge>
            )}
          </h2>
          <p className="text-xs text-muted">
            {group.key}
            {group.description ? ` · ${group.description}` : ""}
          </p>
        </div>
        <div className="text-sm" data-testid={`on-call-${group.key}`}>
          {r ? (
            <>
              On call now: <strong>{r.current?.name ?? "nobody"}</strong> · next:{" "}
              {r.next?.name ?? "nobody"} at {formatTime(r.handoffAt)} (every{" "}
              {WEEKDAYS[r.handoffWeekday]} {r.handoffTime} {r.handoffZone})
            </>
          ) : (
            <span className="text-muted">No on-call rotation</span>
          )}
        </div>
      </div>
      <div className="grid gap-6 xl:grid-cols-2">
        <Members group={group} people={people} canWrite={canWrite} />
        <div className="space-y-4">
          {canWrite ? (
            <>
              <GroupSlaForm group={group} />
              <GroupWebhookForm group={group} />
              <RotationForm key={group.updatedAt} group={group} />
            </>
          ) : (
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="text-muted">Default SLA</dt>
              <dd>{group.slaMinutes ? `${group.slaMinutes} min` : "none"}</dd>
              <dt className="text-muted">Escalation webhook</dt>
              <dd className="break-all">{group.webhookUrl ?? "none"}</dd>
            </dl>
          )}
        </div>
      </div>
    </Card>
  );
}

function Members({
  group,
  people,
  canWrite,
}: {
  group: TGroup;
  people: TPerson[];
  canWrite: boolean;
}) {
  const change = useGroupChange(`/${group.key}/members`);
  const [error, setError] = useState<string | null>(null);
  const send = (userId: string, what: "add" | "remove") => {
    setError(null);
    change.mutate({ userId, change: what }, { onError: (e) => setError(e.message) });
  };
  const outside = people.filter((p) => !group.members.some((m) => m.id === p.id));
  return (
    <div>
      <Table.Frame label={`Members of ${group.name}`} minWidth="20rem">
        <Table.Header columns={canWrite ? ["Member", "Status", ""] : ["Member", "Status"]} />
        <Table.Body>
          {group.members.map((m) => (
            <tr key={m.id}>
              <Table.Cell>
                <div className="font-medium">{m.name}</div>
                <div className="text-xs text-muted">{m.email}</div>
              </Table.Cell>
              <Table.Cell>
                <Badge tone={m.status === "active" ? "green" : "gray"}>
                  {m.status === "active" ? "active" : "deactivated"}
                </Badge>
              </Table.Cell>
              {canWrite && (
                <Table.Cell className="text-right">
                  <Button size="xs" variant="secondary" onClick={() => send(m.id, "remove")}>
                    Remove<span className="sr-only"> {m.name}</span>
                  </Button>
                </Table.Cell>
              )}
            </tr>
          ))}
          {group.members.length === 0 && <Table.Empty colSpan={3}>No members</Table.Empty>}
        </Table.Body>
      </Table.Frame>
      {canWrite && outside.length > 0 && (
        <Field label={`Add a member to ${group.name}`} className="mt-3 w-72">
          <Select value="" onChange={(e) => e.target.value && send(e.target.value, "add")}>
            <option value="">Choose a person…</option>
            {outside.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      {error && (
        <Alert tone="error" className="mt-2">
          {error}
        </Alert>
      )}
    </div>
  );
}
