/** An internal API's refusal: the person-readable message, and the failing fields if any. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    /** problem+json `errors`: each failing field's path and message */
    readonly errors: { path: string; message: string }[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * Call an internal API from a client component. A problem+json answer becomes an `ApiError` whose
 * message is what a person should read: the failing fields if there are any, else `detail`; a
 * form that shows errors by their fields reads `errors`.
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
    const errors: { path: string; message: string }[] = Array.isArray(json?.errors)
      ? json.errors
      : [];
    const fields = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
    throw new ApiError(
      fields.length ? fields.join(" · ") : (json?.detail ?? `Request failed (${res.status})`),
      res.status,
      typeof json?.code === "string" ? json.code : null,
      errors,
    );
  }
  return json as T;
}
