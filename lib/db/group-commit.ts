import "server-only";

/**
 * Group commit in the application: callers each submit one item, and items that arrive while
 * the statements already running are busy wait and go together in the next statement — one
 * round trip, one transaction and one WAL flush for many. With a free slot an item goes at once
 * (alone when it is alone: no added latency when the system is quiet); under load the batches
 * grow by themselves, as PostgreSQL's own group commit does for its WAL flushes.
 *
 * A statement running longer than `stuckAfterMs` (waiting on a lock, say) stops holding its
 * slot: the items behind it go in a statement of their own rather than wait for it, up to
 * `maxSlots` at once.
 *
 * `lib/core/coalesce.ts` is the same idea keyed (one statement in flight per key, a failed batch
 * failing all its callers), which the rate-limit admission uses; this one adds the stuck slot
 * and the retry in halves an insert of many callers' rows needs.
 *
 * A batch commits or fails as one statement. When a batch of several fails, its halves run again
 * one after the other in the same slot, and so on down to single items, so one bad item fails
 * only its own caller and the rest still commit; a batch of one fails its caller with the
 * statement's error.
 */
export type TGroupCommit<I, O> = {
  submit(item: I): Promise<O>;
  /** items waiting and statements running, for tests and health */
  readonly waiting: number;
  readonly running: number;
  /** statements run since the start (retries count too) */
  readonly statements: number;
};

export function groupCommit<I, O>(opts: {
  /** runs one batch as one statement; returns one result per item, in the items' order */
  run: (items: I[]) => Promise<O[]>;
  /** statements at once (each holds one pooled connection) */
  slots: number;
  /** items per statement at most */
  maxBatch: number;
  /** a statement running this long no longer holds its slot */
  stuckAfterMs: number;
  /** statements at once at most, stuck ones included */
  maxSlots: number;
}): TGroupCommit<I, O> {
  type TWaiter = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  const queue: TWaiter[] = [];
  /** when each running statement (or its batch's retries) started */
  const started = new Set<{ at: number }>();
  let timer: NodeJS.Timeout | null = null;
  let statements = 0;

  const run = async (batch: TWaiter[]) => {
    statements++;
    const out = await opts.run(batch.map((w) => w.item));
    if (out.length !== batch.length) {
      throw new Error(`group commit: ${out.length} results for ${batch.length} items`);
    }
    return out;
  };

  const settle = async (batch: TWaiter[]): Promise<void> => {
    try {
      const out = await run(batch);
      batch.forEach((w, i) => w.resolve(out[i]));
    } catch (e) {
      if (batch.length === 1) return batch[0].reject(e);
      // nothing of the batch committed: each half again, down to the bad item alone
      const half = Math.ceil(batch.length / 2);
      await settle(batch.slice(0, half));
      await settle(batch.slice(half));
    }
  };

  const capacity = (now: number) => {
    let stuck = 0;
    for (const s of started) if (now - s.at >= opts.stuckAfterMs) stuck++;
    return Math.min(opts.maxSlots, opts.slots + stuck);
  };

  const pump = () => {
    const now = performance.now();
    while (queue.length > 0 && started.size < capacity(now)) {
      const batch = queue.splice(0, opts.maxBatch);
      const s = { at: now };
      started.add(s);
      void settle(batch).finally(() => {
        started.delete(s);
        pump();
      });
    }
    // items still wait: look again when the oldest statement not yet stuck would be
    if (queue.length > 0 && !timer && started.size < opts.maxSlots) {
      let next = Infinity;
      for (const s of started) if (now - s.at < opts.stuckAfterMs) next = Math.min(next, s.at);
      if (next < Infinity) {
        timer = setTimeout(
          () => {
            timer = null;
            pump();
          },
          next + opts.stuckAfterMs - now,
        );
        timer.unref();
      }
    }
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
    get waiting() {
      return queue.length;
    },
    get running() {
      return started.size;
    },
    get statements() {
      return statements;
    },
  };
}
