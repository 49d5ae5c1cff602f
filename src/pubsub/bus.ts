import { createPubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { CommitNotice } from './notices.js';

/**
 * Carries change notices from the instance that committed a write to every instance with
 * subscribers: through Redis pub/sub when several instances share a database, in memory
 * otherwise. Publishing happens after commit, so a rolled-back write is never announced.
 */
export interface NoticeBus {
  publish(notice: CommitNotice): void;
  /** Calls `onNotice` for every notice; `onReconnect` after the bus lost its connection and got it back. */
  subscribe(onNotice: (notice: CommitNotice) => void, onReconnect: () => void): () => void;
  close(): Promise<void>;
}

type NoticeEvents = Record<string, [notice: CommitNotice]>;

/**
 * `deploymentId` names the channel: instances of one deployment (one database) share it, and
 * other deployments using the same Redis never hear of this one's rooms.
 */
export function createNoticeBus(redisUrl: string | null, deploymentId: string): NoticeBus {
  const topic = `zego-presence:${deploymentId}:notices`;
  if (redisUrl === null) return busOver(createPubSub<NoticeEvents>(), topic, () => () => {}, async () => {});

  const options = { lazyConnect: false, maxRetriesPerRequest: null, enableOfflineQueue: true };
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, options);
  // Redis reports errors while it reconnects; they are expected, and the pub/sub resumes by itself.
  publishClient.on('error', () => {});
  subscribeClient.on('error', () => {});
  const pubsub = createPubSub<NoticeEvents>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  const onReady = (listener: () => void) => {
    let first = true;
    const handler = () => {
      if (!first) listener();
      first = false;
    };
    subscribeClient.on('ready', handler);
    return () => subscribeClient.off('ready', handler);
  };
  return busOver(pubsub, topic, onReady, async () => {
    // QUIT after the commands already queued (such as an UNSUBSCRIBE), so none fails on a closed connection.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
  });
}

function busOver(
  pubsub: ReturnType<typeof createPubSub<NoticeEvents>>,
  topic: string,
  onReady: (listener: () => void) => () => void,
  close: () => Promise<void>,
): NoticeBus {
  return {
    publish: (notice) => pubsub.publish(topic, notice),
    subscribe(onNotice, onReconnect) {
      const notices = pubsub.subscribe(topic);
      void (async () => {
        for await (const notice of notices) onNotice(notice);
      })();
      const stopReady = onReady(onReconnect);
      return () => {
        stopReady();
        void notices.return?.();
      };
    },
    close,
  };
}
