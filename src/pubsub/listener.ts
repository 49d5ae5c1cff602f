import type { NoticeBus } from './bus.js';
import type { LogoutFeed } from './logout-feed.js';
import type { PresenceFeeds } from './presence-feeds.js';

/** Feeds this instance's subscribers from the notices on the bus. Returns a function that stops it. */
export function feedFromBus(bus: NoticeBus, feeds: { presence: PresenceFeeds; logouts: LogoutFeed }): () => void {
  return bus.subscribe(
    (notice) => {
      for (const room of notice.rooms) feeds.presence.onRoomVersion(room);
      feeds.logouts.onLogouts(notice.logoutEventIds);
    },
    // Notices sent while the bus was disconnected are gone: read what was missed from the log.
    () => void feeds.presence.catchUp(),
  );
}
