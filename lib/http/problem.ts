import { z } from "zod";
import { AppError, ERROR_STATUS, type TErrorCode } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Content",
  423: "Locked",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

function problemResponse(
  status: number,
  code: TErrorCode,
  detail: string,
  extra: { requestId?: string; errors?: unknown; headers?: Record<string, string> } = {},
): Response {
  const requestId = extra.requestId ?? prefixedId("req", 8);
  const body: Record<string, unknown> = {
    type: `https://tollgate.dev/problems/${code}`,
    title: TITLES[status] ?? "Error",
    status,
    code,
    detail,
    requestId,
  };
  if (extra.errors) body.errors = extra.errors;
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/problem+json",
      "x-request-id": requestId,
      ...extra.headers,
    },
  });
}

/** Any thrown value → problem+json. Unknown errors are logged and leak nothing. */
export function toProblem(err: unknown, requestId?: string): Response {
  if (err instanceof AppError) {
    return problemResponse(err.status, err.code, err.message, {
      requestId,
      errors: err.details?.errors,
      headers: err.details?.headers,
    });
  }
  if (err instanceof z.ZodError) {
    return problemResponse(
      ERROR_STATUS.invalid_body,
      "invalid_body",
      "The request body is not valid",
      {
        requestId,
        errors: err.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    );
  }
  const id = requestId ?? prefixedId("req", 8);
  console.error(`[${id}]`, err);
  return problemResponse(
    ERROR_STATUS.internal_error,
    "internal_error",
    "Something went wrong on our side",
    {
      requestId: id,
    },
  );
}
