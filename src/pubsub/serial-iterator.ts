/**
 * An async iterator whose reads are answered one after another, in the order they were asked,
 * by `step`, until `step` hands over to another iterator; `finish` releases what it holds. A plain
 * class rather than a Repeater or an async generator: thousands of idle subscriptions are parked
 * on these, and once handed over, a read is the other iterator's read, with nothing of this one
 * between (BENCHMARKS.md, memory).
 */
export abstract class SerialIterator<T> implements AsyncIterableIterator<T> {
  private queue: Promise<unknown> = Promise.resolve();
  /** Reads asked of `step` and not yet answered. */
  private asked = 0;
  private successor: AsyncIterator<T> | null = null;

  /** The next value, or done; never called while another call is in progress. */
  protected abstract step(): Promise<IteratorResult<T>>;
  /** Releases everything held and ends a read that waits; called once or more. */
  protected abstract finish(): void;

  /** Every read after the ones already asked goes to `successor`. */
  protected handOver(successor: AsyncIterator<T>): void {
    this.successor = successor;
  }

  [Symbol.asyncIterator](): this {
    return this;
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

  return(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.reject(error);
  }
}
