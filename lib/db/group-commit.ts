import "server-only";

/**
 * Group commit in the application: callers each submit one item, and items that arrive while
 * the statements already running are busy wait and go together in the next statement — one
 * round trip, one transaction and one WAL flush for many. With a free slot an item goes at once
 * (alone when it is alone: no added latency when the system is quiet); under load the batches
 * grow by themselves, as PostgreSQL's own group commit does for its WAL flushes.
 *
 * A batch commits or fails as one statement. When a batch of several fails, each of its items
 * runs again alone, so one bad item fails only its own caller and the rest still commit; a
 * batch of one fails its caller with the statement's error.
 */
export type TGroupCommit<I, O> = {
  submit(item: I): Promise<O>;
  /** items waiting and statements running, for tests and health */
  readonly waiting: number;
  readonly running: number;
  /** statements run and items they carried, since the start (retries alone count too) */
  readonly statements: number;
  readonly items: number;
};

export function groupCommit<I, O>(opts: {
  /** runs one batch as one statement; returns one result per item, in the items' order */
  run: (items: I[]) => Promise<O[]>;
  /** statements at once (each holds one pooled connection) */
  slots: number;
  /** items per statement at most */
  maxBatch: number;
}): TGroupCommit<I, O> {
  type TWaiter = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  const queue: TWaiter[] = [];
  let running = 0;
  let statements = 0;
  let items = 0;
  const run = (batch: I[]) => {
    statements++;
    items += batch.length;
    return opts.run(batch);
  };

  const settle = async (batch: TWaiter[]) => {
    try {
      const out = await run(batch.map((w) => w.item));
      if (out.length !== batch.length) {
        throw new Error(`group commit: ${out.length} results for ${batch.length} items`);
      }
      batch.forEach((w, i) => w.resolve(out[i]));
    } catch (e) {
      if (batch.length === 1) return batch[0].reject(e);
      // nothing of the batch committed: each item alone, so only a bad one fails
      await Promise.all(
        batch.map((w) =>
          run([w.item]).then(
            ([o]) => w.resolve(o),
            (err: unknown) => w.reject(err),
          ),
        ),
      );
    }
  };

  const pump = () => {
    while (running < opts.slots && queue.length > 0) {
      const batch = queue.splice(0, opts.maxBatch);
      running++;
      void settle(batch).finally(() => {
        running--;
        pump();
      });
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
      return running;
    },
    get statements() {
      return statements;
    },
    get items() {
      return items;
    },
  };
}
