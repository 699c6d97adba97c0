import type { TInstanceRow } from "@/lib/health";
import { Badge, EmptyState, Table } from "./ui";
import { formatTime } from "./format";

export type TInstanceView = Omit<TInstanceRow, "startedAt"> & { startedAt: string };

/**
 * The processes a trip waits for: every web server and worker in the registry, live or stale,
 * and whether its kill-switch connection is up. A live one that cannot confirm a trip within
 * a second is named in the trip's answer.
 */
export function RunningInstances({ rows }: { rows: TInstanceView[] }) {
  return (
    <section aria-labelledby="running-instances" className="mt-10 space-y-3">
      <div>
        <h2 id="running-instances" className="text-base font-semibold">
          Running instances
        </h2>
        <p className="mt-0.5 max-w-3xl text-xs text-muted">
          A trip reaches each of these at once and its answer waits until every live one has
          confirmed it — or names those that did not within a second.
        </p>
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No instance registered">
          Web servers and workers appear here once they have started.
        </EmptyState>
      ) : (
        <Table.Frame label="Running instances" minWidth="48rem">
          <Table.Header columns={["Instance", "Host", "Started", "Last beat", "Kill switches"]} />
          <Table.Body>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`instance-${r.kind}`} className="align-top">
                <Table.Cell>
                  <div className="font-medium">{r.kind === "web" ? "Web server" : "Worker"}</div>
                  <div className="break-all font-mono text-xs text-muted">{r.id}</div>
                </Table.Cell>
                <Table.Cell className="text-xs">
                  <span className="break-all">{r.host}</span>
                  <div className="text-muted">pid {r.pid}</div>
                </Table.Cell>
                <Table.Cell className="whitespace-nowrap text-xs text-muted">
                  {formatTime(r.startedAt)}
                </Table.Cell>
                <Table.Cell className="whitespace-nowrap text-xs">
                  {r.live ? (
                    <Badge tone="green">{Math.round(r.lastBeatSecondsAgo)} s ago</Badge>
                  ) : (
                    <Badge tone="amber">Stale: {Math.round(r.lastBeatSecondsAgo)} s ago</Badge>
                  )}
                </Table.Cell>
                <Table.Cell className="text-xs">
                  {r.listening ? (
                    <Badge tone="green">Listening</Badge>
                  ) : (
                    <Badge tone="red">Not listening</Badge>
                  )}
                </Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}
    </section>
  );
}
