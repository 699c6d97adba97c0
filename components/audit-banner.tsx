import Link from "next/link";
import { can, type TCurrentUser } from "@/lib/auth";
import { listBrokenLanes } from "@/lib/audit";
import { Alert } from "./ui";

/**
 * On every console page, for people who may verify (admins, ops owners): a lane whose last
 * verification found a break. It stays until a verification finds the lane intact again.
 */
export async function AuditBanner({ user }: { user: TCurrentUser }) {
  if (!can(user.roles, "audit:verify")) return null;
  const broken = await listBrokenLanes();
  if (!broken.length) return null;
  return (
    <Alert tone="error" title="Audit trail broken." data-testid="audit-banner" className="mb-4">
      {broken
        .map((b) => `Lane ${b.lane} at seq ${b.breakSeq} (${b.breakKind}): ${b.breakDetail}`)
        .join(" · ")}{" "}
      <Link href="/audit" className="font-medium underline">
        Audit integrity
      </Link>
    </Alert>
  );
}
