"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { Alert, Badge, Button, Table, type TBadgeTone } from "@/components/ui";
import { formatTime } from "@/components/format";
import { useCreateDraft, useVersions, type TVersionRow } from "./queries";

export const STATUS_TONE: Record<string, TBadgeTone> = {
  active: "green",
  draft: "amber",
  superseded: "gray",
  discarded: "gray",
};

/**
 * Every matrix version, newest first: who drafted it, who published it and when, and why. An
 * ops owner starts the draft here (one at a time: an open draft is linked instead).
 */
export function VersionHistory(props: { initial: TVersionRow[]; canEdit: boolean }) {
  const { data: versions } = useVersions(props.initial);
  const create = useCreateDraft();
  const router = useRouter();
  const draft = versions.find((v) => v.status === "draft");

  return (
    <section aria-labelledby="versions-title" className="mt-8 space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="versions-title" className="text-base font-semibold">
          Versions
        </h2>
        {draft ? (
          <Button asChild variant="secondary">
            <Link href={`/policy/versions/${draft.id}`}>
              Open the draft (version {draft.version})
            </Link>
          </Button>
        ) : (
          props.canEdit && (
            <Button
              busy={create.isPending}
              busyLabel="Creating…"
              onClick={() =>
                create.mutate(
                  {},
                  { onSuccess: (res) => router.push(`/policy/versions/${res.draft.id}`) },
                )
              }
            >
              Start a draft
            </Button>
          )
        )}
      </div>
      {create.error && (
        <Alert tone="error" size="sm">
          {create.error.message}
        </Alert>
      )}
      <Table.Frame label="Matrix versions" minWidth="56rem">
        <Table.Header columns={["Version", "Status", "Drafted by", "Published", "Why"]} />
        <Table.Body>
          {versions.map((v) => (
            <tr key={v.id} data-testid={`version-${v.version}`} className="align-top">
              <Table.Cell>
                <Link
                  href={`/policy/versions/${v.id}`}
                  className="font-medium text-link hover:underline"
                >
                  Version {v.version}
                </Link>
                {v.origin === "rollback" && (
                  <div className="text-xs text-muted">rollback to version {v.basedOnVersion}</div>
                )}
              </Table.Cell>
              <Table.Cell>
                <Badge tone={STATUS_TONE[v.status] ?? "gray"}>{v.status}</Badge>
              </Table.Cell>
              <Table.Cell>
                {v.author ?? "—"}
                {v.editors.length > 1 && (
                  <div className="text-xs text-muted">edited by {v.editors.join(", ")}</div>
                )}
                <div className="text-xs text-muted">{formatTime(v.createdAt)}</div>
              </Table.Cell>
              <Table.Cell>
                {v.publishedAt ? (
                  <>
                    {v.publishedBy ?? "the seed"}
                    <div className="text-xs text-muted">{formatTime(v.publishedAt)}</div>
                  </>
                ) : (
                  <span className="text-muted">—</span>
                )}
              </Table.Cell>
              <Table.Cell className="text-xs [overflow-wrap:anywhere]">
                {v.publishReason ?? v.note ?? "—"}
              </Table.Cell>
            </tr>
          ))}
        </Table.Body>
      </Table.Frame>
    </section>
  );
}
