import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryOrder, Dispatch } from './delivery-order.js';
import type { DeliveryStats } from './delivery-stats.js';
import type { CallbackContent, TrafficModel } from './traffic-model.js';

/**
 * Plays the model at a steady rate: each callback leaves when its turn comes, in the delivery
 * order's disorder, and is delivered concurrently with the others, as ZEGO's servers do.
 */
export async function playTraffic(options: {
  model: TrafficModel;
  /** Callbacks to take from the model before its owed late logouts. */
  callbacks: number;
  ratePerS: number;
  order: DeliveryOrder;
  /** Delivers one callback, retries included; resolves to whether it was accepted in the end. */
  deliver: (content: CallbackContent) => Promise<boolean>;
  stats: DeliveryStats;
}): Promise<void> {
  const { order, stats } = options;
  const intervalMs = 1000 / options.ratePerS;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let turn = 0;

  const dispatch = (dispatched: Dispatch) => {
    stats.sent++;
    if (dispatched.duplicate) stats.duplicatesSent++;
    if (dispatched.heldBack) stats.heldBack++;
    const delivery = options.deliver(dispatched.content).then((accepted) => {
      if (accepted) stats.accepted++;
      else stats.failed++;
    });
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };
  const play = async (content: CallbackContent) => {
    const wait = started + turn++ * intervalMs - performance.now();
    // Timers are coarse: at high rates several callbacks leave on one wake-up.
    if (wait >= 1) await sleep(wait);
    for (const dispatched of order.push(content)) dispatch(dispatched);
  };

  for (let i = 0; i < options.callbacks; i++) await play(options.model.next());
  for (const content of options.model.finish()) await play(content);
  for (const dispatched of order.flush()) dispatch(dispatched);
  while (inFlight.size > 0) await Promise.all(inFlight);
}
