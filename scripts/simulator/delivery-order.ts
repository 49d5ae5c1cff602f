import type { Dice } from './dice.js';
import type { CallbackContent } from './traffic-model.js';

/**
 * The order callbacks leave in, given their true order: some held back behind later ones, some
 * sent twice. Pure and seeded like the traffic, so a run's disorder can be replayed too.
 */

export interface Dispatch {
  content: CallbackContent;
  /** A second delivery of a callback already dispatched or held. */
  duplicate: boolean;
  /** Sent after callbacks that came after it. */
  heldBack: boolean;
}

export interface DisorderOptions {
  /** Probability that a callback is delivered a second time. */
  duplicate: number;
  /** Probability that a callback is held back behind later ones. */
  reorder: number;
  /** At most this many later callbacks overtake a held one. */
  window: number;
}

export interface DeliveryOrder {
  /** The next callback in true order; returns what leaves now. */
  push(content: CallbackContent): Dispatch[];
  /** Everything still held, at the end. */
  flush(): Dispatch[];
}

export function createDeliveryOrder(dice: Dice, options: DisorderOptions): DeliveryOrder {
  let held: { dispatch: Dispatch; overtakenBy: number }[] = [];
  return {
    push(content) {
      const leaving: Dispatch[] = [];
      const released = held.filter((h) => --h.overtakenBy <= 0);
      held = held.filter((h) => h.overtakenBy > 0);
      if (dice.chance(options.reorder)) held.push({ dispatch: { content, duplicate: false, heldBack: true }, overtakenBy: dice.int(1, options.window) });
      else leaving.push({ content, duplicate: false, heldBack: false });
      if (dice.chance(options.duplicate)) {
        held.push({ dispatch: { content, duplicate: true, heldBack: false }, overtakenBy: dice.int(1, options.window) });
      }
      return [...leaving, ...released.map((h) => h.dispatch)];
    },
    flush() {
      const rest = held.sort((a, b) => a.overtakenBy - b.overtakenBy).map((h) => h.dispatch);
      held = [];
      return rest;
    },
  };
}
