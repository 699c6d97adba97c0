import pg from "pg";

// No "server-only" here: the Prisma CLI loads this through prisma.config.ts, in its own process.

const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

type QueryResultLike = { fields?: { dataTypeID: number }[] };

function relabelNameColumns<T>(result: T): T {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const f of (r as QueryResultLike)?.fields ?? []) {
      if (f.dataTypeID === PG_NAME_OID) f.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

/**
 * A pg.Pool whose results report `name` columns as `text`. Prisma's migrate through
 * adapter-pg cannot deserialize `name` (prisma/orm#27403); catalog queries return it.
 */
export class NameTypeSafePool extends pg.Pool {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out = (super.query as any)(...args);
    if (out && typeof out.then === "function") return out.then(relabelNameColumns);
    return out;
  }
}
