/**
 * Group commit: work items that arrive while one commit is in flight queue, and the next commit
 * takes what queued (up to a bound) as one batch. No timer waits for company: an item that finds
 * nothing in flight starts a commit of its own at once, so a lone request pays no extra latency;
 * under concurrency the batch grows with the commit's own duration (the database's per-commit
 * cost, WAL flush included, is shared by the batch).
 *
 * Each item gets its own outcome. A batch of one runs `one`; a larger batch runs `many`, and if
 * that fails as a whole (serialisation failure, deadlock, lost connection) every item of it is
 * retried on its own with `one`, so one item's trouble never decides another's answer. Items
 * with the same `key` never share a batch (the later one waits for the next commit).
 */
export interface GroupCommitOptions<I, O> {
  /** One item, one commit. */
  one: (item: I) => Promise<O>;
  /** Several items, one commit; one outcome per item, in order. */
  many: (items: I[]) => Promise<O[]>;
  /** Most items per batch, read for each batch; 1 or less: no group commit, each item runs at once. */
  maxItems: () => number;
  /** Most total weight per batch (a batch always takes at least one item). */
  maxWeight?: number;
  weight?: (item: I) => number;
  /** Items with equal keys are never in one batch. */
  key?: (item: I) => string;
  /** Called when a batch failed as a whole and its items are retried one by one. */
  onBatchError?: (e: unknown, size: number) => void;
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  readonly #queue: Waiting<I, O>[] = [];
  #running = false;

  constructor(readonly opts: GroupCommitOptions<I, O>) {}

  /** Items queued behind the commit in flight (for tests and metrics). */
  get queued(): number {
    return this.#queue.length;
  }

  run(item: I): Promise<O> {
    // Batching off: every item runs at once, concurrently, as if there were no group commit.
    if (this.opts.maxItems() <= 1) return this.opts.one(item);
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (;;) {
        while (this.#queue.length > 0) await this.#commit(this.#take());
        // One turn of the event loop before giving up: requests whose bytes arrived while the
        // commit ran (an embedded database such as PGlite runs on this thread and blocks it for
        // the whole statement) are parsed now and join the next batch instead of each starting a
        // commit of its own. No timer: nobody waits for company that has not already arrived.
        await new Promise<void>((r) => setImmediate(r));
        if (this.#queue.length === 0) break;
      }
    } finally {
      this.#running = false;
    }
  }

  /** The next batch, oldest first: bounded in items and weight, no two items with one key. */
  #take(): Waiting<I, O>[] {
    const { maxWeight = Number.POSITIVE_INFINITY, weight, key } = this.opts;
    const maxItems = Math.max(1, this.opts.maxItems());
    const batch: Waiting<I, O>[] = [];
    const keys = new Set<string>();
    let total = 0;
    for (let i = 0; i < this.#queue.length && batch.length < maxItems; ) {
      const w = this.#queue[i]!;
      const k = key?.(w.item);
      if (k !== undefined && keys.has(k)) {
        i++; // same key as an item in this batch: waits for the next commit
        continue;
      }
      const wt = weight?.(w.item) ?? 1;
      if (batch.length > 0 && total + wt > maxWeight) break; // keeps queue order
      if (k !== undefined) keys.add(k);
      total += wt;
      batch.push(w);
      this.#queue.splice(i, 1);
    }
    return batch;
  }

  async #commit(batch: Waiting<I, O>[]): Promise<void> {
    if (batch.length === 1) return this.#alone(batch[0]!);
    let out: O[];
    try {
      out = await this.opts.many(batch.map((w) => w.item));
      if (out.length !== batch.length) throw new Error('group commit: one outcome per item expected');
    } catch (e) {
      this.opts.onBatchError?.(e, batch.length);
      // A failed statement committed nothing: each item on its own, as if it had come alone.
      // (Connection lost after the commit itself: then what the batch did stands, and each
      // retry meets its own effects, e.g. a spent SAD, as a later request would.)
      await Promise.all(batch.map((w) => this.#alone(w)));
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(out[i]!);
  }

  async #alone(w: Waiting<I, O>): Promise<void> {
    try {
      w.resolve(await this.opts.one(w.item));
    } catch (e) {
      w.reject(e);
    }
  }
}
