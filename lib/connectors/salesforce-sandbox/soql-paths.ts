// Field paths such as `Name`, `Account.Name` or `o.Account.Owner.Name`, resolved against
// the schema once per query and then read per record by following lookup ids.
import { SoqlError, unknownColumn } from "./errors";
import type { FieldValue, StoredRecord } from "./field-values";
import { getField, getObjectSchema, getRelationship } from "./schema";
import type { FieldSchema, ObjectSchema } from "./schema-builder";

export interface SoqlRecordSource {
  /** All records of an object, deleted ones included (flag `IsDeleted`). */
  records(objectName: string): Iterable<StoredRecord>;
  getById(objectName: string, id: string): StoredRecord | undefined;
}

interface RelationshipHop {
  /** Canonical relationship name, e.g. `Account`. */
  name: string;
  via: FieldSchema;
  target: ObjectSchema;
}

export interface ResolvedPath {
  hops: RelationshipHop[];
  field: FieldSchema;
  /** Canonical dotted form, used to detect duplicates and to key aggregate results. */
  key: string;
}

export interface QueryScope {
  root: ObjectSchema;
  alias?: string;
}

function badRelationship(name: string): SoqlError {
  return new SoqlError(
    "INVALID_FIELD",
    `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom ` +
      "relationship, be sure to append the '__r' after the custom relationship name. Please reference " +
      "your WSDL or the describe call for the appropriate names.",
  );
}

export function resolvePath(scope: QueryScope, dotted: string): ResolvedPath {
  let parts = dotted.split(".");
  const first = parts[0].toLowerCase();
  if (parts.length > 1 && scope.alias && first === scope.alias.toLowerCase())
    parts = parts.slice(1);
  else if (
    parts.length > 1 &&
    first === scope.root.name.toLowerCase() &&
    !getRelationship(scope.root, parts[0])
  ) {
    parts = parts.slice(1);
  }
  if (parts.length > 6)
    throw new SoqlError("MALFORMED_QUERY", "Relationship paths can span at most five levels");
  let object = scope.root;
  const hops: RelationshipHop[] = [];
  for (const rel of parts.slice(0, -1)) {
    const via = getRelationship(object, rel);
    const target = via && getObjectSchema(via.referenceTo[0]);
    if (!via || !target) throw badRelationship(rel);
    hops.push({ name: via.relationshipName!, via, target });
    object = target;
  }
  const last = parts[parts.length - 1];
  const field = getField(object, last);
  if (!field) throw unknownColumn(object.name, last);
  return { hops, field, key: [...hops.map((h) => h.name), field.name].join(".") };
}

/** Follows the lookups of `path` from `record`; a missing parent yields null, as in SOQL. */
export function readPath(
  source: SoqlRecordSource,
  record: StoredRecord,
  path: ResolvedPath,
): FieldValue {
  let current: StoredRecord | undefined = record;
  for (const hop of path.hops) {
    const id: FieldValue = current[hop.via.name];
    current = typeof id === "string" ? source.getById(hop.target.name, id) : undefined;
    if (!current) return null;
  }
  return current[path.field.name] ?? null;
}

export function recordUrl(apiVersion: string, type: string, id: FieldValue): string {
  return `/services/data/v${apiVersion}/sobjects/${type}/${String(id)}`;
}

export type ResultRecord = { attributes: { type: string; url?: string } } & Record<string, unknown>;

/** Writes `path` into a result record, nesting parents as `Account: { attributes, Name }`. */
export function projectPath(
  source: SoqlRecordSource,
  record: StoredRecord,
  path: ResolvedPath,
  out: ResultRecord,
  apiVersion: string,
): void {
  let current: StoredRecord | undefined = record;
  let target: Record<string, unknown> = out;
  for (const hop of path.hops) {
    const id: FieldValue = current[hop.via.name];
    current = typeof id === "string" ? source.getById(hop.target.name, id) : undefined;
    if (!current) {
      if (!(hop.name in target)) target[hop.name] = null;
      return;
    }
    let nested = target[hop.name] as Record<string, unknown> | null | undefined;
    if (!nested) {
      nested = {
        attributes: {
          type: hop.target.name,
          url: recordUrl(apiVersion, hop.target.name, current.Id),
        },
      };
      target[hop.name] = nested;
    }
    target = nested;
  }
  target[path.field.name] = current[path.field.name] ?? null;
}
