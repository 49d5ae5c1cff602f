import { subscribe } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Subscriptions run on graphql-js's own `subscribe` rather than Yoga's default executor, which
 * supports @defer and @stream (not in this schema) by wrapping each event's result in an iterable
 * of its own and flattening those again. Those layers leave, on every delivery, waits that last
 * until the room's next change, so they outlive the young generation: under the fan-out load they
 * were the largest single site of what reached the old one (18 of 113 MB in a 20 s run), whose
 * full collections hold up callbacks and deliveries (BENCHMARKS.md, fan-out).
 */
export function useStandardSubscribe(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as Parameters<typeof setSubscribeFn>[0]);
    },
  };
}
