/**
 * Where a person's console action came from, as its audit event records it (hashed with it):
 * the client address when a trusted proxy made it known, and the browser's user agent.
 */
export function RequestOrigin({
  context,
}: {
  context: { ip: string | null; userAgent: string | null } | null;
}) {
  if (!context) return null;
  return (
    <div className="break-all text-muted">
      from {context.ip ?? "an unknown address"}
      {context.userAgent ? ` · ${context.userAgent}` : ""}
    </div>
  );
}
