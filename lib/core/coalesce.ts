/**
 * Group commit for one statement: calls that share a key and arrive while that key's previous
 * batch is in flight wait and go together in the next one. The first call of a quiet key runs at
 * once (no timer, no added latency); under load one statement serves many calls. `run` gets the
 * batch's inputs in arrival order and returns one output per input, in the same order; if it
 * throws, every call of the batch gets the error. (`lib/db/group-commit.ts`: the same unkeyed,
 * with a stuck statement giving up its slot and a failed batch retried in halves — ingest's
 * insert.)
 */
export function coalesce<I, O>(
  run: (key: string, inputs: I[]) => Promise<O[]>,
  maxBatch = 256,
): (key: string, input: I) => Promise<O> {
  type TWaiting = { input: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  const queues = new Map<string, TWaiting[]>();

  async function drain(key: string, queue: TWaiting[]) {
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        const out = await run(
          key,
          batch.map((w) => w.input),
        );
        if (out.length !== batch.length) {
          throw new Error(`coalesce: ${out.length} outputs for ${batch.length} inputs`);
        }
        batch.forEach((w, i) => w.resolve(out[i]));
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    queues.delete(key);
  }

  return (key, input) =>
    new Promise<O>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      const fresh: TWaiting[] = [{ input, resolve, reject }];
      queues.set(key, fresh);
      void drain(key, fresh);
    });
}
