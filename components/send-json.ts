/**
 * Call an internal API from a client component. A problem+json answer becomes an Error whose
 * message is what a person should read: the failing fields if there are any, else `detail`.
 */
export async function sendJson<T>(url: string, method = "GET", body?: unknown): Promise<T> {
  // every change is JSON, even without a body: the console's routes refuse anything else (CSRF)
  const changes = method !== "GET" && method !== "HEAD";
  const res = await fetch(url, {
    method,
    headers: changes ? { "content-type": "application/json" } : undefined,
    body: changes ? JSON.stringify(body ?? {}) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const fields: string[] = (json?.errors ?? []).map((e: { path: string; message: string }) =>
      e.path ? `${e.path}: ${e.message}` : e.message,
    );
    throw new Error(
      fields.length ? fields.join(" · ") : (json?.detail ?? `Request failed (${res.status})`),
    );
  }
  return json as T;
}
