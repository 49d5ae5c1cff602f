/** Messages between the subscriber fleet and its client processes, over the fork IPC channel. */

/** [subscriber index, `${roomId}|${userAccount}|${kind}`, receive time in ms since the epoch, sub-ms]. */
export type Delivery = [subscriber: number, key: string, at: number];

export type WorkerRequest =
  | { id: number; type: 'open'; url: string; appId: string; concurrency: number; subscriptions: { subscriber: number; roomId: string }[] }
  | { id: number; type: 'count' }
  | { id: number; type: 'drain' }
  | { id: number; type: 'close' };

export type WorkerReply =
  | { id: number; type: 'opened'; problems: string[] }
  | { id: number; type: 'count'; received: number; problems: string[] }
  | { id: number; type: 'drained'; deliveries: Delivery[] }
  | { id: number; type: 'closed' }
  | { id: number; type: 'failed'; message: string };
