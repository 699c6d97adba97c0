import { describe, expect, it } from "vitest";
import { classifyError, ConnectorError } from "./errors";

describe("classifyError", () => {
  it.each([
    [
      { errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." },
      "rate_limited",
    ],
    [{ errorCode: "ERROR_HTTP_429", message: "" }, "rate_limited"],
    [{ errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid" }, "session_expired"],
    [{ message: "Unable to refresh session due to: nope" }, "session_expired"],
    [{ errorCode: "invalid_grant", message: "authentication failure" }, "session_expired"],
    [{ errorCode: "PRECONDITION_FAILED", message: "modified since" }, "conflict"],
    [{ errorCode: "ERROR_HTTP_412", message: "" }, "conflict"],
    [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }, "not_found"],
    [{ errorCode: "ENTITY_IS_DELETED", message: "deleted" }, "not_found"],
    [{ errorCode: "INSUFFICIENT_ACCESS_OR_READONLY", message: "no" }, "permission"],
    [{ errorCode: "ERROR_HTTP_503", message: "down" }, "unavailable"],
    [{ errorCode: "SERVER_UNAVAILABLE", message: "down" }, "unavailable"],
    [
      { errorCode: "UNABLE_TO_LOCK_ROW", message: "unable to obtain exclusive access" },
      "unavailable",
    ],
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" }, "unavailable"],
    [{ name: "AbortError", message: "The operation was aborted" }, "timeout"],
    [{ message: "Request was aborted due to timeout of 10 minutes." }, "timeout"],
    [
      {
        errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: "Amount must be ≥ 0",
        fields: ["Amount"],
      },
      "validation",
    ],
    [
      { errorCode: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [LastName]" },
      "validation",
    ],
    [{ errorCode: "INVALID_FIELD", message: "No such column" }, "validation"],
  ] as const)("%j → %s", (raw, expected) => {
    const e = classifyError(raw);
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.errorClass).toBe(expected);
  });

  it("keeps the fields of a validation error", () => {
    const e = classifyError({
      errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      message: "x",
      data: { fields: ["Amount"] },
    });
    expect(e.fields).toEqual(["Amount"]);
  });
});
