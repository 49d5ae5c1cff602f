import DataLoader from 'dataloader';
import type { Database } from '../db/client.js';
import { loadPresenceChanges, loadPresenceVersions, type PresenceChangeRow } from '../db/presence-log.js';
import { findAppOfRoom, findRoomForEachKey, type RoomView } from '../db/room-queries.js';
import type { RoomVersionNotice } from './notices.js';
import { SerialIterator } from './serial-iterator.js';

/**
 * Live presence changes, per room, for every subscriber on this instance. Each watched room has
 * one feed that knows the newest version committed (from notices) and caches the latest changes,
 * so that the subscribers of a room share one database read per change. Every subscriber pulls
 * at its own pace from its own cursor: a slow one never holds up the others, and one that falls
 * behind the cache reads from the log.
 */

export interface RoomKey {
  appId: string;
  roomId: string;
}

export interface PresenceFeedOptions {
  /** Changes read from the log at once. */
  batchSize?: number;
  /** Recent changes kept per watched room. */
  cacheSize?: number;
}

export interface RoomWatch {
  /** Every change after `version`, in order, then live ones as they commit; ends when the consumer returns. */
  changesAfter(version: number): AsyncIterableIterator<PresenceChangeRow>;
  /** Stops watching; the feed is dropped when its last watch is released. */
  release(): void;
}

const keyOf = (room: RoomKey) => `${room.appId}\u0000${room.roomId}`;

class RoomFeed {
  knownVersion = 0;
  watches = 0;
  private readonly wakers = new Set<() => void>();
  private cache: PresenceChangeRow[] = [];
  private readonly loads = new Map<number, Promise<PresenceChangeRow[]>>();

  constructor(
    private readonly db: Database,
    readonly room: RoomKey,
    private readonly batchSize: number,
    private readonly cacheSize: number,
  ) {}

  advanceTo(version: number): void {
    if (version <= this.knownVersion) return;
    this.knownVersion = version;
    for (const wake of this.wakers) wake();
  }

  onAdvance(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  /** Changes after `version`: from the cache when it holds the next one, else from the log (one read shared by all who ask). */
  async load(version: number): Promise<PresenceChangeRow[]> {
    const first = this.cache[0]?.version;
    if (first !== undefined && version + 1 >= first && version < this.cache.at(-1)!.version) {
      return this.cache.slice(version + 1 - first, version + 1 - first + this.batchSize);
    }
    let pending = this.loads.get(version);
    if (!pending) {
      pending = loadPresenceChanges(this.db, this.room, version, this.batchSize).finally(() => this.loads.delete(version));
      this.loads.set(version, pending);
    }
    const rows = await pending;
    this.remember(rows);
    if (rows.length > 0) this.advanceTo(rows.at(-1)!.version);
    return rows;
  }

  private remember(rows: PresenceChangeRow[]): void {
    if (rows.length === 0) return;
    const last = this.cache.at(-1)?.version;
    if (last !== undefined && rows[0]!.version === last + 1) this.cache = this.cache.concat(rows);
    else if (last === undefined || rows.at(-1)!.version > last) this.cache = rows.slice();
    if (this.cache.length > this.cacheSize) this.cache = this.cache.slice(this.cache.length - this.cacheSize);
  }
}

export class PresenceFeeds {
  private readonly feeds = new Map<string, RoomFeed>();
  /** Subscribers of a room id whose app is not known yet (no app had data when they subscribed). */
  private readonly awaitingApp = new Map<string, Set<(appId: string) => void>>();
  private readonly batchSize: number;
  private readonly cacheSize: number;
  private readonly roomsNow: DataLoader<RoomKey, RoomView | null, string>;

  constructor(
    private readonly db: Database,
    options: PresenceFeedOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.cacheSize = options.cacheSize ?? 256;
    // A change wakes every subscriber of its room at once, and each asks for the room as it is
    // now: read once for all of them (and for the other rooms woken in the same turn) rather
    // than once per subscriber. Nothing is cached beyond the turn, so no one is answered stale.
    this.roomsNow = new DataLoader((keys) => findRoomForEachKey(this.db, keys), {
      cache: false,
      batchScheduleFn: (run) => setImmediate(run),
      maxBatchSize: 500,
    });
  }

  /** The room as it is now, read together with every other subscriber's ask of the same turn. */
  roomNow(room: RoomKey): Promise<RoomView | null> {
    return this.roomsNow.load(room);
  }

  /** Rooms watched on this instance (for metrics and leak checks). */
  get watchedRooms(): number {
    return this.feeds.size + this.awaitingApp.size;
  }

  onRoomVersion(notice: RoomVersionNotice): void {
    this.feeds.get(keyOf(notice))?.advanceTo(notice.version);
    this.appFound(notice.roomId, notice.appId);
  }

  /**
   * Calls `onApp` once with the app of the first change to a room with this id, whichever app
   * it is. Returns a function that stops waiting.
   */
  whenRoomAppears(roomId: string, onApp: (appId: string) => void): () => void {
    let waiting = this.awaitingApp.get(roomId);
    if (!waiting) this.awaitingApp.set(roomId, (waiting = new Set()));
    const once = (appId: string) => onApp(appId);
    waiting.add(once);
    void findAppOfRoom(this.db, roomId).then(
      (appId) => appId !== null && this.appFound(roomId, appId),
      () => {},
    );
    return () => {
      waiting.delete(once);
      if (waiting.size === 0 && this.awaitingApp.get(roomId) === waiting) this.awaitingApp.delete(roomId);
    };
  }

  private appFound(roomId: string, appId: string): void {
    const waiting = this.awaitingApp.get(roomId);
    if (!waiting) return;
    this.awaitingApp.delete(roomId);
    for (const onApp of waiting) onApp(appId);
  }

  /**
   * Reads every watched room's newest version: after the notice bus reconnected, and now and
   * then in case a notice was lost (an instance that died between its commit and its publish).
   */
  async catchUp(): Promise<void> {
    const watched = [...this.feeds.values()].map((feed) => feed.room);
    for (let i = 0; i < watched.length; i += 500) {
      const versions = await loadPresenceVersions(this.db, watched.slice(i, i + 500)).catch(() => []);
      for (const room of versions) this.onRoomVersion(room);
    }
    for (const roomId of [...this.awaitingApp.keys()]) {
      const appId = await findAppOfRoom(this.db, roomId).catch(() => null);
      if (appId !== null) this.appFound(roomId, appId);
    }
  }

  /**
   * Starts watching a room. Watch before reading a snapshot: a change that commits after the
   * snapshot's read is then sure to be heard of, and none is missed between the two.
   */
  watch(room: RoomKey): RoomWatch {
    const key = keyOf(room);
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = new RoomFeed(this.db, { appId: room.appId, roomId: room.roomId }, this.batchSize, this.cacheSize);
      this.feeds.set(key, feed);
    }
    feed.watches += 1;
    const watched = feed;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      watched.watches -= 1;
      if (watched.watches === 0 && this.feeds.get(key) === watched) this.feeds.delete(key);
    };
    return { changesAfter: (version) => followFeed(watched, version, release), release };
  }
}

const NO_ROWS: readonly PresenceChangeRow[] = [];

/** One watcher's cursor over its room's feed. Rows of a batch are held only until handed out. */
class FeedCursor extends SerialIterator<PresenceChangeRow> {
  private rows: readonly PresenceChangeRow[] = NO_ROWS;
  private index = 0;
  /** A feed does not know the versions committed before it was created: read once to find out. */
  private mustRead = true;
  private done = false;
  private wake: (() => void) | null = null;
  private readonly stopWaking: () => void;

  constructor(
    private readonly feed: RoomFeed,
    private last: number,
    private readonly release: () => void,
  ) {
    super();
    this.stopWaking = feed.onAdvance(() => this.wake?.());
  }

  protected async step(): Promise<IteratorResult<PresenceChangeRow>> {
    while (!this.done) {
      while (this.index < this.rows.length) {
        const row = this.rows[this.index++]!;
        if (row.version <= this.last) continue;
        this.last = row.version;
        return { value: row, done: false };
      }
      this.rows = NO_ROWS;
      this.index = 0;
      if (this.mustRead || this.feed.knownVersion > this.last) {
        this.mustRead = false;
        let rows: PresenceChangeRow[];
        try {
          rows = await this.feed.load(this.last);
        } catch (error) {
          this.finish();
          throw error;
        }
        if (this.done) break;
        if (rows.length > 0) {
          this.rows = rows;
          continue;
        }
      }
      // Returned while reading: do not wait for an advance that may never come.
      if (this.done) break;
      // No await between the checks above and this promise: neither an advance nor a return can slip between them.
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return { value: undefined, done: true };
  }

  protected finish(): void {
    if (this.done) return;
    this.done = true;
    this.rows = NO_ROWS;
    this.stopWaking();
    this.release();
    this.wake?.();
  }
}

function followFeed(feed: RoomFeed, fromVersion: number, release: () => void): AsyncIterableIterator<PresenceChangeRow> {
  return new FeedCursor(feed, fromVersion, release);
}
