import "server-only";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { db, Prisma } from "@/lib/db";
import { env } from "@/lib/env";

/**
 * A claimed try holds a lease on its request row, not a lock: `leaseHolder` names the claim
 * (worker id + random, new for every claim), `leaseUntil` (database time) says until when no
 * one may take the try back. The worker renews it every third of its length while it works;
 * the sweep (`recoverInterrupted`) moves an `executing` row whose lease ran out to `retrying`,
 * and the next try reads Salesforce before it writes.
 *
 * What keeps a write from landing twice: a write call is started only inside the lease, with a
 * deadline before the lease ends (the connector cuts the call's timeout to it), so by the time
 * the sweep may take a try back, no write of the old try can still be waiting for its answer.
 * The recording is guarded by status, try number and holder, so a worker that lost its lease
 * cannot write over what a newer try recorded.
 */

/** The lease's length: TOLLGATE_EXECUTION_LEASE_MS. */
export const leaseMs = () => env().TOLLGATE_EXECUTION_LEASE_MS;

/** Kept back from the lease when a write's deadline is set: the renewal's round trip, clocks. */
const MARGIN_MS = 1_000;
/** A write with less time than this left is not started. */
const MIN_WRITE_MS = 500;

/** A new claim's holder name: the worker's id and a random part, so every claim differs. */
export const newLeaseHolder = (workerId: string) =>
  `${workerId}#${randomBytes(6).toString("base64url")}`;

/** `leaseUntil` for a lease starting now, in database time (the sweep compares with it). */
export const leaseUntilSql = () =>
  Prisma.sql`(now() at time zone 'UTC') + ${leaseMs()} * interval '1 millisecond'`;

/**
 * This worker's side of one claim's lease (one request, or every request of a batch): renews
 * it on a timer, knows how long it is sure to hold (by its own monotonic clock, counted from
 * before the claim or renewal was sent, so never longer than the database's), and gives a
 * write its deadline.
 */
export class Lease {
  private held: Set<string>;
  private validUntil: number;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  /** `since`: performance.now() from before the claim's transaction was sent. */
  constructor(
    readonly holder: string,
    ids: string[],
    since: number,
  ) {
    this.held = new Set(ids);
    this.validUntil = since + leaseMs();
  }

  /** Renew every third of the lease until `stop`. */
  start(): this {
    const every = Math.max(200, Math.floor(leaseMs() / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
    return this;
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
  }

  /** Whether this claim still holds `id` (as of the last renewal). */
  holds(id: string) {
    return this.held.has(id);
  }

  remainingMs() {
    return this.validUntil - performance.now();
  }

  /** Extend the lease of every request still held; a request the sweep took back is dropped. */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      const sent = performance.now();
      try {
        const ids = [...this.held];
        if (!ids.length) return;
        // rows locked in id order, as the record step locks them: the two never deadlock
        const rows = await db.$queryRaw<{ id: string }[]>`
          update "ActionRequest" set "leaseUntil" = ${leaseUntilSql()}
          where id in (
            select id from "ActionRequest"
            where id = any(${ids}) and status = 'executing' and "leaseHolder" = ${this.holder}
            order by id for update)
          returning id`;
        this.held = new Set(rows.map((r) => r.id));
        this.validUntil = sent + leaseMs();
      } catch (e) {
        // the lease runs on as it was; a write checks what is left before it starts
        console.error(`[execution] lease renewal failed:`, (e as Error).message);
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /**
   * Before a write call to Salesforce: the instant (Date.now() ms) it must be over by, renewing
   * the lease first when less than the connector's whole timeout is left. Null when the lease
   * cannot leave the write enough time; then nothing may be written. A caller writing several
   * requests writes only those it still `holds`.
   */
  async writeDeadline(callTimeoutMs: number): Promise<number | null> {
    if (this.remainingMs() - MARGIN_MS < callTimeoutMs) await this.renew();
    const left = this.remainingMs() - MARGIN_MS;
    if (!this.held.size || left < MIN_WRITE_MS) return null;
    return Date.now() + left;
  }
}
