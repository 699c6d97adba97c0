"use client";

import { Badge, Button, Table } from "@/components/ui";
import { formatTime } from "@/components/format";
import { useVerifyEvent, type TEventRow } from "./queries";

function age(seconds: number) {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function Actor({ actor }: { actor: TEventRow["actor"] }) {
  if (actor.type === "system") return <span className="text-muted">system</span>;
  return (
    <>
      <span className="font-medium">{actor.name ?? `(unknown ${actor.type})`}</span>
      <div className="text-xs text-muted">
        {actor.type}
        {actor.detail && actor.detail !== actor.name ? ` · ${actor.detail}` : ""}
      </div>
    </>
  );
}

/** One event: what, who, about what, its seal, and a verify button whose answer shows inline. */
export function EventRow({ event }: { event: TEventRow }) {
  const verify = useVerifyEvent(event.id);
  const result = verify.data;
  return (
    <tr data-testid={`event-${event.id}`}>
      <Table.Cell className="text-muted">
        <code className="text-xs">{event.id}</code>
      </Table.Cell>
      <Table.Cell className="whitespace-nowrap text-muted">
        {formatTime(event.createdAt)}
      </Table.Cell>
      <Table.Cell>
        <Actor actor={event.actor} />
      </Table.Cell>
      <Table.Cell>
        <code className="text-xs">{event.action}</code>
        {event.reasonText && (
          <div className="max-w-64 truncate text-xs text-muted" title={event.reasonText}>
            {event.reasonText}
          </div>
        )}
      </Table.Cell>
      <Table.Cell>
        <span className="text-xs text-muted">{event.subjectType}</span>
        <div className="max-w-56 truncate text-xs" title={event.subjectId}>
          {event.subjectId}
        </div>
      </Table.Cell>
      <Table.Cell className="text-xs">
        {event.recordId ? (
          <>
            {event.object} <code>{event.recordId}</code>
            {event.field && <div className="text-muted">{event.field}</div>}
          </>
        ) : (
          <span className="text-muted">—</span>
        )}
      </Table.Cell>
      <Table.Cell data-testid="seal">
        {event.seal.sealed ? (
          <>
            <Badge tone="green">sealed</Badge>
            <div className="text-xs text-muted">seq {event.seal.seq}</div>
          </>
        ) : (
          <>
            <Badge tone="amber">unsealed</Badge>
            <div className="text-xs text-muted">{age(event.seal.ageSeconds)} old</div>
          </>
        )}
      </Table.Cell>
      <Table.Cell>
        <div className="flex flex-col items-start gap-1">
          <Button
            variant="secondary"
            size="xs"
            onClick={() => verify.mutate()}
            busy={verify.isPending}
            aria-label={`Verify event ${event.id}`}
          >
            Verify
          </Button>
          <div role="status" data-testid="verify-event-result" className="max-w-64 text-xs">
            {result &&
              (result.ok ? (
                <Badge tone="green">
                  {result.seq == null ? "content intact" : "content and link intact"}
                </Badge>
              ) : (
                <>
                  <Badge tone="red">differs</Badge>
                  <ul className="mt-1 list-disc pl-4 text-danger">
                    {result.problems.map((p) => (
                      <li key={p}>{p}</li>
                    ))}
                  </ul>
                </>
              ))}
            {verify.error && <span className="text-danger">{verify.error.message}</span>}
          </div>
        </div>
      </Table.Cell>
    </tr>
  );
}
