import { requirePage, ROLE_LABELS, type TRole } from "@/lib/auth";
import { listUsers } from "@/lib/users";
import { Badge, PageHeader, TableFrame } from "@/components/ui";
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
      <TableFrame label="Users" minWidth="44rem">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-4 py-2 font-medium">Name</th>
            <th className="px-4 py-2 font-medium">Roles</th>
            <th className="px-4 py-2 font-medium">Approver groups</th>
            <th className="px-4 py-2 font-medium">Status</th>
            <th className="px-4 py-2 font-medium">Last sign-in</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((u) => (
            <tr key={u.id}>
              <td className="px-4 py-3">
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-slate-500">{u.email}</div>
              </td>
              <td className="px-4 py-3">
                <div className="flex flex-wrap gap-1">
                  {u.roles.map((r) => (
                    <Badge key={r} tone="violet">
                      {ROLE_LABELS[r as TRole] ?? r}
                    </Badge>
                  ))}
                </div>
              </td>
              <td className="px-4 py-3 text-slate-600">{u.groups.join(", ") || "—"}</td>
              <td className="px-4 py-3">
                <Badge tone={u.status === "active" ? "green" : "gray"}>{u.status}</Badge>
              </td>
              <td className="whitespace-nowrap px-4 py-3 text-slate-600">
                {u.lastLoginAt ? formatTime(u.lastLoginAt) : "never"}
              </td>
            </tr>
          ))}
        </tbody>
      </TableFrame>
    </>
  );
}
