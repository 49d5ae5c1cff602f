import type { Database } from '../db/client.js';
import { LogoutFeed } from './logout-feed.js';
import { PresenceFeeds } from './presence-feeds.js';

/** Where subscribers on this instance are fed from: live presence per room, and new logouts. */
export interface LiveFeeds {
  presence: PresenceFeeds;
  logouts: LogoutFeed;
}

export function createLiveFeeds(db: Database): LiveFeeds {
  return { presence: new PresenceFeeds(db), logouts: new LogoutFeed(db) };
}
