import type { TPermission } from "@/lib/auth/permissions";

/** The console's pages. Only pages that exist are listed; each shows only to roles that may open it. */
export const NAV: { href: string; label: string; permission: TPermission; section: string }[] = [
  { href: "/metrics", label: "Metrics", permission: "metrics:read", section: "Work" },
  { href: "/inbox", label: "Approval inbox", permission: "inbox:read", section: "Work" },
  { href: "/requests", label: "Requests", permission: "requests:read", section: "Work" },
  { href: "/backouts", label: "Backouts", permission: "requests:read", section: "Work" },
  { href: "/agents", label: "Agents", permission: "agents:read", section: "Govern" },
  { href: "/policy", label: "Policy matrix", permission: "policy:read", section: "Govern" },
  { href: "/workflows", label: "Workflows", permission: "workflows:read", section: "Govern" },
  {
    href: "/field-ownership",
    label: "Field ownership",
    permission: "field_ownership:read",
    section: "Govern",
  },
  {
    href: "/kill-switches",
    label: "Kill switches",
    permission: "kill_switches:read",
    section: "Govern",
  },
  {
    href: "/dead-letters",
    label: "Dead letters",
    permission: "dead_letters:read",
    section: "Govern",
  },
  { href: "/incidents", label: "Incidents", permission: "incidents:read", section: "Govern" },
  {
    href: "/reconciliation",
    label: "Reconciliation",
    permission: "requests:read",
    section: "Govern",
  },
  { href: "/anomalies", label: "Anomalies", permission: "anomalies:read", section: "Govern" },
  { href: "/audit", label: "Audit integrity", permission: "audit:read", section: "Govern" },
  { href: "/audit/events", label: "Audit events", permission: "audit:read", section: "Govern" },
  {
    href: "/environments",
    label: "Environments",
    permission: "environments:read",
    section: "Settings",
  },
  {
    href: "/settings/users",
    label: "Users & roles",
    permission: "users:read",
    section: "Settings",
  },
  {
    href: "/settings/groups",
    label: "Approver groups",
    permission: "groups:read",
    section: "Settings",
  },
  {
    href: "/settings/retry-policies",
    label: "Retry policies",
    permission: "retry_policies:read",
    section: "Settings",
  },
];
