/**
 * The one error family. Throw it anywhere below a route; the route wrapper renders it as
 * application/problem+json (RFC 9457) with the stable `code`.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: {
      errors?: { path: string; message: string }[];
      headers?: Record<string, string>;
    } & Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("not_found", 404, `${what} was not found`);
export const forbidden = (message = "You do not have permission to do this") =>
  new AppError("forbidden", 403, message);
export const unauthenticated = () => new AppError("unauthenticated", 401, "Sign in to continue");
export const invalid = (message: string, errors?: { path: string; message: string }[]) =>
  new AppError("invalid_body", 400, message, { errors });
