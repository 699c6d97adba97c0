import Link from "next/link";
import { can, type TCurrentUser } from "@/lib/auth";
import { unacknowledgedAnomalies } from "@/lib/anomalies";
import { alertClass, cx } from "./ui";

/**
 * On every console page, for the people who act on anomalies (ops and risk owners, admins):
 * anomalies nobody has acknowledged yet, the newest named. It goes once each is acknowledged.
 */
export async function AnomalyBanner({ user }: { user: TCurrentUser }) {
  if (!can(user.roles, "anomalies:acknowledge")) return null;
  const { count, latest } = await unacknowledgedAnomalies();
  if (!count || !latest) return null;
  const done =
    latest.action === "tripped"
      ? "its kill switch was tripped"
      : latest.action === "already_tripped"
        ? "its kill switch was already engaged"
        : "alerted only";
  // On every page load, not news: a labelled region, not a live one (a status role would be
  // read out on each navigation and would be one more "status" beside the page's own toasts).
  return (
    <section
      aria-label="Anomalies to look at"
      data-testid="anomaly-banner"
      className={cx(alertClass("warning"), "mb-4")}
    >
      <p className="font-semibold">
        {count === 1 ? "An anomaly to look at." : `${count} anomalies to look at.`}
      </p>
      <p className="mt-1">
        Latest: {latest.agent}, {latest.actionType.toLowerCase()} above its usual rate ({done}).{" "}
        <Link href="/anomalies" className="font-medium underline">
          Anomalies
        </Link>
      </p>
    </section>
  );
}
