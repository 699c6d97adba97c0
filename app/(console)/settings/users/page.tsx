import { requirePage, ROLE_LABELS, type TRole } from "@/lib/auth";
import { listUsers } from "@/lib/users";
import { Badge, PageHeader, Table } from "@/components/ui";
import { formatTime } from "@/components/format";

export const metadata = { title: "Users & roles" };

export default async function UsersPage() {
  await requirePage("users:read", "/settings/users");
  const users = await listUsers();
  return (
    <>
      <PageHeader
        title="Users & roles"
        description="Who can sign in, with which roles and approver groups."
      />
      <Table.Frame label="Users" minWidth="44rem">
        <Table.Header columns={["Name", "Roles", "Approver groups", "Status", "Last sign-in"]} />
        <Table.Body>
          {users.map((u) => (
            <tr key={u.id}>
              <Table.Cell>
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-muted">{u.email}</div>
              </Table.Cell>
              <Table.Cell>
                <div className="flex flex-wrap gap-1">
                  {u.roles.map((r) => (
                    <Badge key={r} tone="violet">
                      {ROLE_LABELS[r as TRole] ?? r}
                    </Badge>
                  ))}
                </div>
              </Table.Cell>
              <Table.Cell className="text-muted">{u.groups.join(", ") || "—"}</Table.Cell>
              <Table.Cell>
                <Badge tone={u.status === "active" ? "green" : "gray"}>{u.status}</Badge>
              </Table.Cell>
              <Table.Cell className="whitespace-nowrap text-muted">
                {u.lastLoginAt ? formatTime(u.lastLoginAt) : "never"}
              </Table.Cell>
            </tr>
          ))}
        </Table.Body>
      </Table.Frame>
    </>
  );
}
