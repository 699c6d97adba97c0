"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TPermissionReviewRow } from "@/lib/agents/permission-reviews";
import { ZPermissionReviewInput } from "@/lib/agents/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  Dialog,
  Field,
  Input,
  Select,
  Table,
  Textarea,
  useHydrated,
} from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";
import { agentKeys } from "./queries";
import { useFormErrors } from "./form-errors";

type TRow = TSerialized<TPermissionReviewRow>;
const reviewsKey = (agentId: string) => [...agentKeys.all, agentId, "reviews"] as const;

/**
 * Periodic permission reviews: each of the agent's permission sets with its last review and
 * when the next is due (overdue in red). A risk owner or admin records a review: keep the set,
 * or revoke every grant in it.
 */
export function PermissionReviews(props: {
  agentId: string;
  initial: TRow[];
  renderedAt: string;
  canReview: boolean;
}) {
  const hydrated = useHydrated();
  const { data: rows } = useQuery({
    queryKey: reviewsKey(props.agentId),
    queryFn: async () =>
      (await sendJson<{ reviews: TRow[] }>(`/api/internal/agents/${props.agentId}/reviews`))
        .reviews,
    initialData: props.initial,
    initialDataUpdatedAt: new Date(props.renderedAt).getTime(),
  });
  const [reviewing, setReviewing] = useState<TRow | null>(null);

  if (rows.length === 0) return null;
  return (
    <Card aria-labelledby="reviews-heading" className="mt-4">
      <h2 id="reviews-heading" className="font-semibold">
        Permission reviews
      </h2>
      <p className="mt-0.5 text-xs text-muted">
        Who still needs what: each permission set is reviewed by its due date, then kept or revoked.
      </p>
      <Table.Frame
        label="Permission reviews"
        minWidth="48rem"
        framed={false}
        dense
        className="mt-4"
      >
        <Table.Header
          columns={[
            "Permission set",
            "Live grants",
            "Last review",
            "Due",
            props.canReview && { key: "actions", label: "Actions", align: "right" },
          ]}
        />
        <Table.Body>
          {rows.map((r) => (
            <tr key={r.id} data-testid={`review-${r.slug}`} className="align-top">
              <Table.Cell>
                <div className="font-medium">{r.name}</div>
                <div className="font-mono text-[11px] text-muted">{r.slug}</div>
              </Table.Cell>
              <Table.Cell>{r.activeGrants}</Table.Cell>
              <Table.Cell>
                {r.lastReview ? (
                  <>
                    <Badge tone={r.lastReview.outcome === "revoked" ? "red" : "green"}>
                      {r.lastReview.outcome === "revoked" ? "revoked" : "kept"}
                    </Badge>{" "}
                    by {r.lastReview.reviewer}, {formatTime(r.lastReview.reviewedAt)}
                    {r.lastReview.notes && (
                      <div className="text-xs text-muted">“{r.lastReview.notes}”</div>
                    )}
                  </>
                ) : (
                  <span className="text-muted">never</span>
                )}
              </Table.Cell>
              <Table.Cell>
                {r.dueAt ? formatTime(r.dueAt) : "now"}{" "}
                {r.overdue && <Badge tone="red">overdue</Badge>}
              </Table.Cell>
              {props.canReview && (
                <Table.Cell align="right">
                  <Button
                    size="sm"
                    variant="secondary"
                    disabled={!hydrated}
                    onClick={() => setReviewing(r)}
                  >
                    Review
                  </Button>
                </Table.Cell>
              )}
            </tr>
          ))}
        </Table.Body>
      </Table.Frame>
      {reviewing && (
        <ReviewDialog agentId={props.agentId} set={reviewing} onClose={() => setReviewing(null)} />
      )}
    </Card>
  );
}

type TKey = "outcome" | "notes" | "nextDueInDays";

function ReviewDialog(props: { agentId: string; set: TRow; onClose: () => void }) {
  const router = useRouter();
  const client = useQueryClient();
  const [outcome, setOutcome] = useState("approved");
  const [notes, setNotes] = useState("");
  const [days, setDays] = useState("90");
  const errs = useFormErrors<TKey>((p) =>
    p === "outcome" || p === "notes" || p === "nextDueInDays" ? p : null,
  );
  const review = useMutation({
    mutationFn: (body: unknown) =>
      sendJson<{ reviews: TRow[] }>(
        `/api/internal/agents/${props.agentId}/reviews/${props.set.id}`,
        "POST",
        body,
      ),
    onSuccess: (res) => client.setQueryData(reviewsKey(props.agentId), res.reviews),
  });

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = { outcome, notes, nextDueInDays: days.trim() === "" ? Number.NaN : Number(days) };
    if (!errs.check(ZPermissionReviewInput, body)) return;
    errs.clear();
    review.mutate(body, {
      onSuccess: () => {
        props.onClose();
        router.refresh();
      },
      onError: errs.fromServer,
    });
  }

  return (
    <Dialog
      open
      onOpenChange={(o) => !o && props.onClose()}
      title={`Review ${props.set.name}`}
      description="Does the agent still need this scope? Revoking ends every grant in the set, for every agent that has it, within a second."
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Permission review">
        <Field label="Outcome" error={errs.errors.outcome}>
          <Select value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="approved">Keep: still needed</option>
            <option value="revoked">Revoke every grant in it</option>
          </Select>
        </Field>
        <Field label="Notes" error={errs.errors.notes}>
          <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </Field>
        <Field label="Next review in (days)" error={errs.errors.nextDueInDays}>
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            max={365}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </Field>
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant={outcome === "revoked" ? "danger" : "primary"}
            busy={review.isPending}
            busyLabel="Recording…"
          >
            Record review
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
