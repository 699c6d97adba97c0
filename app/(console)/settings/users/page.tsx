import { can, requirePage, ROLE_LABELS, type TRole } from "@/lib/auth";
import { oidcConfig } from "@/lib/auth/oidc";
import { listUsers } from "@/lib/users";
import { Badge, PageHeader, Table } from "@/components/ui";
import { UserRolesEditor } from "@/components/user-roles-editor";
import { InviteUser } from "@/components/people/invite-user";
import { UserStatusButton } from "@/components/people/user-status-button";
import { formatTime } from "@/components/format";

export const metadata = { title: "Users & roles" };

export default async function UsersPage() {
  const me = await requirePage("users:read", "/settings/users");
  const canWrite = can(me.roles, "users:write");
  const users = await listUsers();
  const sso = oidcConfig();
  const claim = sso?.rolesClaim;
  return (
    <>
      <PageHeader
        title="Users & roles"
        description={
          claim
            ? `Who can sign in, with which roles and approver groups. People who sign in through SSO get their roles from the ${claim} claim at each sign-in.`
            : "Who can sign in, with which roles and approver groups."
        }
      >
        {canWrite && <InviteUser ssoConfigured={Boolean(sso)} />}
      </PageHeader>
      <Table.Frame label="Users" minWidth="44rem">
        <Table.Header columns={["Name", "Roles", "Approver groups", "Status", "Last sign-in"]} />
        <Table.Body>
          {users.map((u) => (
            <tr key={u.id} data-testid={`user-${u.email}`}>
              <Table.Cell>
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-muted">{u.email}</div>
              </Table.Cell>
              <Table.Cell>
                <div className="flex flex-wrap items-center gap-1">
                  {u.roles.map((r) => (
                    <Badge key={r} tone="violet">
                      {ROLE_LABELS[r as TRole] ?? r}
                    </Badge>
                  ))}
                  {u.roles.length === 0 && <span className="text-muted">none</span>}
                  {canWrite && (
                    <UserRolesEditor
                      user={{ id: u.id, name: u.name }}
                      roles={u.roles.filter((r) => !r.includes("@"))}
                    />
                  )}
                </div>
              </Table.Cell>
              <Table.Cell className="text-muted">{u.groups.join(", ") || "—"}</Table.Cell>
              <Table.Cell>
                <div className="flex flex-wrap items-center gap-1">
                  <Badge tone={u.status === "active" ? "green" : "gray"}>
                    {u.status === "active" ? "active" : "deactivated"}
                  </Badge>
                  {canWrite && u.id !== me.id && <UserStatusButton user={u} />}
                </div>
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
