import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listGroups } from "@/lib/groups";
import { listUsers } from "@/lib/users";
import { PageHeader } from "@/components/ui";
import { GroupBoard } from "@/components/people/group-board";

export const metadata = { title: "Approver groups" };

export default async function GroupsPage() {
  const me = await requirePage("groups:read", "/settings/groups");
  const canWrite = can(me.roles, "groups:write");
  const now = new Date();
  const [groups, users] = await Promise.all([listGroups(now), listUsers()]);
  const people = users
    .filter((u) => u.status === "active")
    .map((u) => ({ id: u.id, name: u.name }));
  return (
    <>
      <PageHeader
        title="Approver groups"
        description="Who decides what the matrix sends to each group, the group's default SLA, where its escalations are posted, and who of it is on call."
      />
      <GroupBoard
        initial={toClientProps(groups)}
        renderedAt={now.toISOString()}
        people={people}
        canWrite={canWrite}
      />
    </>
  );
}
