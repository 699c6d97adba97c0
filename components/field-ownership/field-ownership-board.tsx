"use client";

import { useState } from "react";
import { CONFLICT_RULE_LABELS, HUMANS } from "@/lib/field-ownership/schemas";
import { Badge, Button, Card, EmptyState, Table, useHydrated } from "@/components/ui";
import { OwnershipDialog, RemoveOwnershipDialog } from "./ownership-dialog";
import { useFieldOwnership, type TOwnershipList, type TOwnershipRow } from "./queries";

/**
 * Field ownership, one table per object: each field's system of record, its allowed writers by
 * name, conflict rule, yield and freshness SLA, and its owner. People with
 * field_ownership:write add, edit and remove rows here.
 */
export function FieldOwnershipBoard(props: {
  initial: TOwnershipList;
  renderedAt: string;
  canWrite: boolean;
}) {
  const hydrated = useHydrated();
  const { data } = useFieldOwnership(props.initial, props.renderedAt);
  const [editing, setEditing] = useState<TOwnershipRow | "new" | null>(null);
  const [removing, setRemoving] = useState<TOwnershipRow | null>(null);
  const agentName = new Map(data.writers.agents.map((a) => [a.slug, a.name]));
  const objects = [...new Set(data.rows.map((r) => r.object))];

  return (
    <>
      {props.canWrite && (
        <div className="mb-4 flex justify-end">
          <Button disabled={!hydrated} onClick={() => setEditing("new")}>
            Add a field
          </Button>
        </div>
      )}
      {objects.length === 0 && (
        <EmptyState>No field has an owner yet: any granted agent may write any field.</EmptyState>
      )}
      {objects.map((object) => (
        <Card key={object} className="mb-4" aria-labelledby={`object-${object}`}>
          <h2 id={`object-${object}`} className="font-semibold">
            {object}
          </h2>
          <Table.Frame
            label={`Field ownership of ${object}`}
            minWidth="40rem"
            framed={false}
            dense
            className="mt-3"
          >
            <Table.Header
              columns={[
                "Field",
                "System of record",
                "Allowed writers",
                "Conflict rule",
                "Freshness SLA",
                "Owner",
                // a visible label: an sr-only one (absolutely placed) would widen the page when the
                // frame scrolls at 1024 px
                props.canWrite && { key: "actions", label: "Actions", align: "right" },
              ]}
            />
            <Table.Body>
              {data.rows
                .filter((r) => r.object === object)
                .map((r) => (
                  <tr
                    key={r.id}
                    data-testid={`ownership-${r.object}.${r.field}`}
                    className="align-top"
                  >
                    <Table.Cell className="font-mono text-xs font-medium">{r.field}</Table.Cell>
                    <Table.Cell>{r.systemOfRecord}</Table.Cell>
                    <Table.Cell className="whitespace-normal">
                      <div className="flex flex-wrap gap-1" data-testid="writers">
                        {r.allowedWriters.length === 0 && (
                          <span className="text-muted">nobody</span>
                        )}
                        {r.allowedWriters.map((w) => (
                          <Badge
                            key={w}
                            tone={w === HUMANS ? "green" : agentName.has(w) ? "blue" : "gray"}
                          >
                            {w === HUMANS ? "People" : (agentName.get(w) ?? w)}
                          </Badge>
                        ))}
                      </div>
                    </Table.Cell>
                    <Table.Cell>
                      {CONFLICT_RULE_LABELS[r.conflictRule]}
                      {r.conflictRule === "agent_yields_to_humans" && r.yieldHours && (
                        <div className="text-xs text-muted">for {r.yieldHours} h</div>
                      )}
                    </Table.Cell>
                    <Table.Cell>
                      {r.freshnessSlaMinutes ? `${r.freshnessSlaMinutes} min` : "—"}
                    </Table.Cell>
                    <Table.Cell>{r.owner ?? <span className="text-muted">nobody</span>}</Table.Cell>
                    {props.canWrite && (
                      <Table.Cell align="right" className="whitespace-nowrap">
                        <Button
                          size="xs"
                          variant="secondary"
                          disabled={!hydrated}
                          aria-label={`Edit ${r.object}.${r.field}`}
                          onClick={() => setEditing(r)}
                        >
                          Edit
                        </Button>{" "}
                        <Button
                          size="xs"
                          variant="secondary"
                          disabled={!hydrated}
                          aria-label={`Remove ${r.object}.${r.field}`}
                          onClick={() => setRemoving(r)}
                        >
                          Remove
                        </Button>
                      </Table.Cell>
                    )}
                  </tr>
                ))}
            </Table.Body>
          </Table.Frame>
        </Card>
      ))}
      {editing && (
        <OwnershipDialog
          row={editing === "new" ? null : editing}
          choices={data}
          onClose={() => setEditing(null)}
        />
      )}
      {removing && <RemoveOwnershipDialog row={removing} onClose={() => setRemoving(null)} />}
    </>
  );
}
