import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { getEffectiveRetryPolicy, listDeadLetters } from "@/lib/execution/dead-letters";
import { PageHeader } from "@/components/ui";
import { DeadLetterBoard } from "@/components/dead-letters/dead-letter-board";

export const metadata = { title: "Dead letters" };

export default async function DeadLettersPage({
  searchParams,
}: {
  searchParams: Promise<{ resolved?: string }>;
}) {
  const user = await requirePage("dead_letters:read", "/dead-letters");
  const includeResolved = (await searchParams).resolved === "1";
  const [rows, retryPolicy] = await Promise.all([
    listDeadLetters({ includeResolved }),
    getEffectiveRetryPolicy(),
  ]);
  return (
    <>
      <PageHeader
        title="Dead letters"
        description="Approved work that execution gave up on: Salesforce refused it in a way retrying will not fix, or it ran out of tries. Nothing here runs again until a person retries it, sends it back to an approver, or discards it."
      />
      <DeadLetterBoard
        initial={toClientProps({ deadLetters: rows, retryPolicy })}
        includeResolved={includeResolved}
        canWrite={can(user.roles, "dead_letters:write")}
        now={new Date().toISOString()}
      />
    </>
  );
}
