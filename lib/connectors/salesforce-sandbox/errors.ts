// Salesforce reports failures as `[{ message, errorCode, fields }]`; every error the sandbox
// raises carries exactly those parts plus the HTTP status the REST API would answer with.

export interface SalesforceErrorBody {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class SalesforceApiError extends Error {
  readonly errorCode: string;
  readonly fields: string[];
  readonly status: number;

  constructor(
    errorCode: string,
    message: string,
    options: { fields?: string[]; status?: number } = {},
  ) {
    super(message);
    this.name = "SalesforceApiError";
    this.errorCode = errorCode;
    this.fields = options.fields ?? [];
    this.status = options.status ?? 400;
  }

  /** Salesforce lists `fields` for record-level errors and leaves it out otherwise. */
  toBody(): SalesforceErrorBody {
    return {
      message: this.message,
      errorCode: this.errorCode,
      ...(this.fields.length ? { fields: this.fields } : {}),
    };
  }
}

export type SoqlErrorCode =
  | "MALFORMED_QUERY"
  | "INVALID_TYPE"
  | "INVALID_FIELD"
  | "INVALID_QUERY_FILTER_OPERATOR"
  | "INVALID_QUERY_LOCATOR";

export class SoqlError extends SalesforceApiError {
  declare readonly errorCode: SoqlErrorCode;

  constructor(errorCode: SoqlErrorCode, message: string) {
    super(errorCode, message, { status: 400 });
    this.name = "SoqlError";
  }
}

export function notFound(message = "The requested resource does not exist"): SalesforceApiError {
  return new SalesforceApiError("NOT_FOUND", message, { status: 404 });
}

export function unknownColumn(objectName: string, field: string): SoqlError {
  return new SoqlError(
    "INVALID_FIELD",
    `No such column '${field}' on entity '${objectName}'. If you are attempting to use a custom field, ` +
      "be sure to append the '__c' after the custom field name. Please reference your WSDL or the " +
      "describe call for the appropriate names.",
  );
}

export function unknownObject(objectName: string): SoqlError {
  return new SoqlError(
    "INVALID_TYPE",
    `sObject type '${objectName}' is not supported. If you are attempting to use a custom object, ` +
      "be sure to append the '__c' after the entity name. Please reference your WSDL or the describe " +
      "call for the appropriate names.",
  );
}
