import { describe, expect, it } from 'vitest';
import { SerialIterator } from '../src/pubsub/serial-iterator.js';

/** Answers `first` from its own step, slowly, handing over to `rest` before it answers. */
class FirstThenRest extends SerialIterator<string> {
  steps = 0;
  finished = 0;

  constructor(
    private readonly first: string,
    private readonly rest: AsyncIterator<string>,
  ) {
    super();
  }

  protected async step(): Promise<IteratorResult<string>> {
    this.steps += 1;
    this.handOver(this.rest);
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { value: this.first, done: false };
  }

  protected finish(): void {
    this.finished += 1;
  }
}

async function* letters(...values: string[]): AsyncGenerator<string> {
  yield* values;
}

describe('SerialIterator', () => {
  it('answers reads in the order asked, even those asked after the hand-over while its step still runs', async () => {
    const iterator = new FirstThenRest('a', letters('b', 'c'));
    const settled: string[] = [];
    const first = iterator.next().then((r) => settled.push(r.value as string));
    // Asked once the step has handed over but before it answered: must still come second.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = iterator.next().then((r) => settled.push(r.value as string));
    await Promise.all([first, second]);
    expect(settled).toEqual(['a', 'b']);
    expect(await iterator.next()).toEqual({ value: 'c', done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(iterator.steps).toBe(1);
  });

  it('ends on return, releasing what it holds, and rejects with the error on throw', async () => {
    const iterator = new FirstThenRest('a', letters('b'));
    expect(await iterator.return()).toEqual({ value: undefined, done: true });
    await expect(iterator.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(iterator.finished).toBe(2);
  });
});
