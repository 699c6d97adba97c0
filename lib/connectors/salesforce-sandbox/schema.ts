// Registry of the sandbox org's objects. Salesforce resolves object and field names
// case-insensitively, so every lookup here does too and hands back the canonical name.
import { OBJECT_SCHEMAS } from "./schema-objects";
import type { FieldSchema, ObjectSchema } from "./schema-builder";

export type { FieldSchema, FieldType, HistoryTracking, ObjectSchema } from "./schema-builder";
export { OBJECT_SCHEMAS } from "./schema-objects";
export * from "./schema-values";

const objectsByLowerName = new Map(OBJECT_SCHEMAS.map((o) => [o.name.toLowerCase(), o]));
const fieldsByObject = new Map(
  OBJECT_SCHEMAS.map((o) => [o.name, new Map(o.fields.map((f) => [f.name.toLowerCase(), f]))]),
);

export function getObjectSchema(name: string): ObjectSchema | undefined {
  return objectsByLowerName.get(name.toLowerCase());
}

export function getField(object: ObjectSchema, name: string): FieldSchema | undefined {
  return fieldsByObject.get(object.name)?.get(name.toLowerCase());
}

/** Finds the reference field behind a relationship name such as `Account` or `Owner`. */
export function getRelationship(
  object: ObjectSchema,
  relationshipName: string,
): FieldSchema | undefined {
  const lower = relationshipName.toLowerCase();
  return object.fields.find((f) => f.relationshipName?.toLowerCase() === lower);
}

function sobjectUrls(apiVersion: string, name: string) {
  const base = `/services/data/v${apiVersion}/sobjects/${name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function describeField(f: FieldSchema) {
  const numeric = ["double", "int", "currency", "percent"].includes(f.type);
  return {
    name: f.name,
    type: f.type,
    label: f.label,
    length: numeric ? 0 : f.length,
    precision: f.precision,
    scale: f.scale,
    digits: f.type === "int" ? f.precision : 0,
    createable: f.createable,
    updateable: f.updateable,
    nillable: f.nillable,
    defaultedOnCreate: f.defaultedOnCreate,
    defaultValue: f.defaultValue ?? null,
    filterable: f.filterable,
    sortable: f.sortable,
    groupable: f.sortable && !numeric,
    calculated: f.name === "Name" && !f.createable,
    custom: false,
    unique: false,
    idLookup: f.type === "id",
    nameField: f.name === "Name",
    restrictedPicklist: f.type === "picklist",
    picklistValues: f.picklistValues.map((p) => ({ ...p, validFor: null })),
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    soapType: soapTypeOf(f),
  };
}

function soapTypeOf(f: FieldSchema): string {
  switch (f.type) {
    case "id":
    case "reference":
      return "tns:ID";
    case "boolean":
      return "xsd:boolean";
    case "int":
      return "xsd:int";
    case "double":
    case "currency":
    case "percent":
      return "xsd:double";
    case "date":
      return "xsd:date";
    case "datetime":
      return "xsd:dateTime";
    case "anyType":
      return "xsd:anyType";
    default:
      return "xsd:string";
  }
}

function globalEntry(o: ObjectSchema, apiVersion: string) {
  return {
    name: o.name,
    label: o.label,
    labelPlural: o.labelPlural,
    keyPrefix: o.keyPrefix,
    createable: o.createable,
    updateable: o.updateable,
    deletable: o.deletable,
    queryable: true,
    retrieveable: true,
    searchable: !o.name.endsWith("History"),
    custom: false,
    urls: sobjectUrls(apiVersion, o.name),
  };
}

export function describeGlobal(apiVersion: string) {
  return {
    encoding: "UTF-8",
    maxBatchSize: 200,
    sobjects: OBJECT_SCHEMAS.map((o) => globalEntry(o, apiVersion)),
  };
}

export function describeObject(o: ObjectSchema, apiVersion: string) {
  const childRelationships = OBJECT_SCHEMAS.flatMap((child) =>
    child.fields
      .filter((f) => f.referenceTo.includes(o.name) && f.relationshipName)
      .map((f) => ({
        childSObject: child.name,
        field: f.name,
        relationshipName: null,
        cascadeDelete: false,
      })),
  );
  return {
    ...globalEntry(o, apiVersion),
    fields: o.fields.map(describeField),
    childRelationships,
  };
}
