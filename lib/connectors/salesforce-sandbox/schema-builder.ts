// Compact builders for object metadata. The flags mirror describe results: a field is
// "required on create" exactly when Salesforce would say createable && !nillable &&
// !defaultedOnCreate, so the store and describe can never disagree about it.

export type FieldType =
  | "id"
  | "string"
  | "picklist"
  | "double"
  | "int"
  | "currency"
  | "percent"
  | "date"
  | "datetime"
  | "boolean"
  | "reference"
  | "email"
  | "textarea"
  | "phone"
  | "url"
  | "anyType";

interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldSchema {
  name: string;
  type: FieldType;
  label: string;
  length: number;
  precision: number;
  scale: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  filterable: boolean;
  sortable: boolean;
  picklistValues: PicklistValue[];
  referenceTo: string[];
  relationshipName: string | null;
  /** Value the store fills in on create when the caller leaves the field out. */
  defaultValue?: string | number | boolean;
}

export interface HistoryTracking {
  historyObject: string;
  parentField: string;
  trackedFields: string[];
}

export interface ObjectSchema {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  fields: FieldSchema[];
  history?: HistoryTracking;
}

interface FieldOptions {
  required?: boolean;
  readOnly?: boolean;
  /** Createable but never updateable (e.g. Quote.OpportunityId). */
  createOnly?: boolean;
  defaulted?: boolean;
  defaultValue?: string | number | boolean;
  length?: number;
  precision?: number;
  scale?: number;
  values?: readonly string[];
  referenceTo?: string[];
  filterable?: boolean;
}

const TEXT_LENGTHS: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  picklist: 255,
  email: 80,
  phone: 40,
  url: 255,
  textarea: 32000,
};

export function field(
  name: string,
  type: FieldType,
  label: string,
  opts: FieldOptions = {},
): FieldSchema {
  const readOnly = opts.readOnly ?? false;
  const isBoolean = type === "boolean";
  const defaulted = opts.defaulted ?? (opts.defaultValue !== undefined || isBoolean);
  const sortable = type !== "textarea" && type !== "anyType";
  return {
    name,
    type,
    label,
    length: opts.length ?? TEXT_LENGTHS[type] ?? 0,
    precision: opts.precision ?? 0,
    scale: opts.scale ?? 0,
    createable: !readOnly,
    updateable: !readOnly && !opts.createOnly,
    // Booleans are never null in Salesforce; required fields are the other non-nillables.
    nillable: !(opts.required || isBoolean || type === "id"),
    defaultedOnCreate: defaulted,
    filterable: opts.filterable ?? (type !== "textarea" && type !== "anyType"),
    sortable,
    picklistValues: (opts.values ?? []).map((value) => ({
      value,
      label: value,
      active: true,
      defaultValue: value === opts.defaultValue,
    })),
    referenceTo: opts.referenceTo ?? [],
    relationshipName:
      type === "reference" && name.endsWith("Id") ? name.slice(0, -2) || null : null,
    defaultValue: opts.defaultValue,
  };
}

export function reference(name: string, label: string, target: string, opts: FieldOptions = {}) {
  return field(name, "reference", label, { ...opts, referenceTo: [target] });
}

export function picklist(
  name: string,
  label: string,
  values: readonly string[],
  opts: FieldOptions = {},
) {
  return field(name, "picklist", label, { ...opts, values });
}

/** Audit fields every object carries; the store maintains them, callers cannot write them. */
export function systemFields(): FieldSchema[] {
  return [
    field("IsDeleted", "boolean", "Deleted", { readOnly: true }),
    field("CreatedDate", "datetime", "Created Date", { readOnly: true, defaulted: true }),
    reference("CreatedById", "Created By ID", "User", { readOnly: true, defaulted: true }),
    field("LastModifiedDate", "datetime", "Last Modified Date", {
      readOnly: true,
      defaulted: true,
    }),
    reference("LastModifiedById", "Last Modified By ID", "User", {
      readOnly: true,
      defaulted: true,
    }),
    field("SystemModstamp", "datetime", "System Modstamp", { readOnly: true, defaulted: true }),
  ];
}

export function idField(): FieldSchema {
  return field("Id", "id", "Record ID", { readOnly: true, defaulted: true });
}

export function ownerField(): FieldSchema {
  // Salesforce defaults the owner to the running user, so it is not required on create.
  return reference("OwnerId", "Owner ID", "User", { required: true, defaulted: true });
}

type StandardObjectSpec = Pick<ObjectSchema, "name" | "labelPlural" | "keyPrefix" | "fields"> &
  Partial<Pick<ObjectSchema, "label" | "deletable" | "history">>;

/** An object the integration user may create, update and delete, labelled by its name. */
export function standardObject(spec: StandardObjectSpec): ObjectSchema {
  return {
    name: spec.name,
    label: spec.label ?? spec.name,
    labelPlural: spec.labelPlural,
    keyPrefix: spec.keyPrefix,
    createable: true,
    updateable: true,
    deletable: spec.deletable ?? true,
    fields: spec.fields,
    ...(spec.history && { history: spec.history }),
  };
}

/** First, last and the read-only compound name, as User, Contact and Lead carry them. */
export function personNameFields(): FieldSchema[] {
  return [
    field("FirstName", "string", "First Name", { length: 40 }),
    field("LastName", "string", "Last Name", { required: true, length: 80 }),
    field("Name", "string", "Full Name", { readOnly: true, length: 121 }),
  ];
}

/** The history object of a tracked parent; its `Field` picklist is the tracked fields. */
export function historyObject(parent: ObjectSchema, label: string): ObjectSchema {
  if (!parent.history) throw new Error(`${parent.name} has no field history`);
  const { historyObject: name, parentField, trackedFields } = parent.history;
  return {
    name,
    label,
    labelPlural: `${label}s`,
    keyPrefix: "017",
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      idField(),
      reference(parentField, `${parent.name} ID`, parent.name, { readOnly: true }),
      picklist("Field", "Changed Field", ["created", ...trackedFields], { readOnly: true }),
      field("OldValue", "anyType", "Old Value", { readOnly: true }),
      field("NewValue", "anyType", "New Value", { readOnly: true }),
      field("IsDeleted", "boolean", "Deleted", { readOnly: true }),
      reference("CreatedById", "Created By ID", "User", { readOnly: true, defaulted: true }),
      field("CreatedDate", "datetime", "Created Date", { readOnly: true, defaulted: true }),
    ],
  };
}
