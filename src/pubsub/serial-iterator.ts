/**
 * An async iterator whose reads are answered one after another, in the order they were asked,
 * by `step`; `finish` releases what it holds. A plain class rather than a Repeater or an async
 * generator: thousands of idle subscriptions are parked on these, and parked, one holds its own
 * fields and one pending read, nothing more (BENCHMARKS.md, memory).
 */
export abstract class SerialIterator<T> implements AsyncIterableIterator<T> {
  private queue: Promise<unknown> = Promise.resolve();

  /** The next value, or done; never called while another call is in progress. */
  protected abstract step(): Promise<IteratorResult<T>>;
  /** Releases everything held and ends a read that waits; called once or more. */
  protected abstract finish(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const result = this.queue.then(() => this.step());
    this.queue = result.catch(() => {});
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
