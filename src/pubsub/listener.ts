import type { DatabaseHandle } from '../db/client.js';
import type { LogoutFeed } from './logout-feed.js';
import { decodeNotice, NOTICE_CHANNEL } from './notices.js';
import type { PresenceFeeds } from './presence-feeds.js';

/**
 * Feeds this instance's subscribers from the notices that every instance's writes send through
 * the database. Returns a function that stops listening.
 */
export async function listenForNotices(
  database: DatabaseHandle,
  feeds: { presence: PresenceFeeds; logouts: LogoutFeed },
): Promise<() => Promise<void>> {
  let connectedBefore = false;
  return database.listen(
    NOTICE_CHANNEL,
    (payload) => {
      const notice = decodeNotice(payload);
      if (!notice) return;
      for (const room of notice.rooms) feeds.presence.onRoomVersion(room);
      feeds.logouts.onLogouts(notice.logoutEventIds);
    },
    () => {
      // On a reconnect, notices sent while the connection was down are gone: read what was missed.
      if (connectedBefore) void feeds.presence.catchUp();
      connectedBefore = true;
    },
  );
}
