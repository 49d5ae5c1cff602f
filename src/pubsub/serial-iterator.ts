/** What a finished iterator answers. */
export const DONE: IteratorResult<never> = { value: undefined, done: true };

/**
 * An async iterator that holds something until its consumer stops: `return` and `throw` end it
 * through `finish`, which releases what it holds and ends a read that waits.
 */
export abstract class FinishingIterator<T> implements AsyncIterableIterator<T> {
  abstract next(): Promise<IteratorResult<T>>;
  /** Releases everything held and ends a read that waits; called once or more. */
  protected abstract finish(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.reject(error);
  }
}

/**
 * An async iterator whose reads are answered one after another, in the order they were asked,
 * by `step`, until `step` hands over to another iterator; `finish` releases what it holds. A plain
 * class rather than a Repeater or an async generator: thousands of idle subscriptions are parked
 * on these, and once handed over, a read is the other iterator's read, with nothing of this one
 * between (BENCHMARKS.md, memory).
 */
export abstract class SerialIterator<T> extends FinishingIterator<T> {
  private queue: Promise<unknown> = Promise.resolve();
  /** Reads asked of `step` and not yet answered. */
  private asked = 0;
  private successor: AsyncIterator<T> | null = null;

  /** The next value, or done; never called while another call is in progress. */
  protected abstract step(): Promise<IteratorResult<T>>;

  /** Every read after the ones already asked goes to `successor`. */
  protected handOver(successor: AsyncIterator<T>): void {
    this.successor = successor;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.successor && this.asked === 0) return this.successor.next();
    this.asked += 1;
    const result = this.queue.then(() => (this.successor ? this.successor.next() : this.step()));
    const answered = () => {
      this.asked -= 1;
    };
    this.queue = result.then(answered, answered);
    return result;
  }
}
