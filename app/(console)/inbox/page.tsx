import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { findInboxItem, inboxFacets, listInbox, ZInboxQuery } from "@/lib/approvals";
import { PageHeader } from "@/components/ui";
import { InboxBoard } from "@/components/inbox/inbox-board";

export const metadata = { title: "Approval inbox" };

export default async function InboxPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requirePage("inbox:read", "/inbox");
  const raw = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
  );
  const parsed = ZInboxQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : ZInboxQuery.parse({});
  const focusId = typeof raw.request === "string" ? raw.request : undefined;
  // the page always opens on the first page (the board pages on through the API), so a stale or
  // hand-edited cursor in the URL is ignored rather than a 500
  const [page, facets] = await Promise.all([
    listInbox(user, { ...query, cursor: undefined }),
    inboxFacets(),
  ]);
  // a link to one request (e.g. from a notification) opens that request even when it is not on
  // this page or was decided meanwhile; an unknown id says so instead of showing another one
  const focus =
    focusId === undefined
      ? undefined
      : {
          id: focusId,
          item: page.items.find((i) => i.id === focusId) ?? (await findInboxItem(user, focusId)),
        };
  const filters = {
    agent: query.agent,
    actionType: query.actionType,
    workflow: query.workflow,
    environment: query.environment,
    age: query.age,
    kind: query.kind === "all" ? undefined : query.kind,
  };
  return (
    <>
      <PageHeader
        title="Approval inbox"
        description="Agent writes waiting for you: riskiest first. Each shows the change against the value in Salesforce now, the agent's reason and evidence, and the rule that asked for a person. Approved work executes at once; a field that changed meanwhile comes back here."
      />
      <InboxBoard
        key={JSON.stringify([filters, focusId ?? null])}
        initial={toClientProps(page)}
        facets={facets}
        filters={filters}
        canDecide={can(user.roles, "inbox:decide")}
        focus={toClientProps(focus)}
      />
    </>
  );
}
