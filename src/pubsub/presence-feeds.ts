import DataLoader from 'dataloader';
import type { Database } from '../db/client.js';
import { loadPresenceChanges, loadPresenceVersions, type PresenceChangeRow } from '../db/presence-log.js';
import { findAppOfRoom, findRoomForEachKey, type RoomView } from '../db/room-queries.js';
import type { RoomVersionNotice } from './notices.js';
import { DONE, FinishingIterator } from './serial-iterator.js';

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
  /**
   * Every change after `version`, in order, then live ones as they commit, each handed out as
   * `map` makes it of the row and the room; ends when the consumer returns.
   */
  changesAfter<T>(version: number, map: (row: PresenceChangeRow, room: RoomKey) => T): AsyncIterableIterator<T>;
  /** Stops watching; the feed is dropped when its last watch is released. */
  release(): void;
}

const keyOf = (room: RoomKey) => `${room.appId}\u0000${room.roomId}`;

class RoomFeed {
  knownVersion = 0;
  watches = 0;
  /** Cursors to wake when a newer version is known. */
  readonly cursors = new Set<{ serve(): void }>();
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
    for (const cursor of this.cursors) cursor.serve();
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
    return new Watch(this.feeds, key, feed);
  }
}

/** A class rather than closures: one is held by every subscription for as long as it runs. */
class Watch implements RoomWatch {
  private released = false;

  constructor(
    private readonly feeds: Map<string, RoomFeed>,
    private readonly key: string,
    private readonly feed: RoomFeed,
  ) {}

  changesAfter<T>(version: number, map: (row: PresenceChangeRow, room: RoomKey) => T): AsyncIterableIterator<T> {
    return new FeedCursor(this.feed, version, map, this);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.feed.watches -= 1;
    if (this.feed.watches === 0 && this.feeds.get(this.key) === this.feed) this.feeds.delete(this.key);
  }
}

const NO_ROWS: readonly PresenceChangeRow[] = [];

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/**
 * One watcher's cursor over its room's feed, handing out each row as `map` makes it. Rows of a
 * batch are held only until handed out. Written without async functions: thousands of idle
 * subscriptions are parked here, and parked, one holds its fields and the promise of the read
 * that waits, not a suspended frame and the promises around it (BENCHMARKS.md, memory).
 */
class FeedCursor<T> extends FinishingIterator<T> {
  private rows: readonly PresenceChangeRow[] = NO_ROWS;
  private index = 0;
  /** A feed does not know the versions committed before it was created: read once to find out. */
  private mustRead = true;
  private reading = false;
  /**
   * The feed's known version when a read found nothing new: read again only once it is passed.
   * An advance heard while that read ran is therefore not lost.
   */
  private emptyAt = -1;
  private done = false;
  /** The oldest read asked for and not yet answered; reads asked while it waits queue behind it. */
  private waiter: Waiter<T> | null = null;
  private readonly queued: Waiter<T>[] = [];

  constructor(
    private readonly feed: RoomFeed,
    private last: number,
    private readonly map: (row: PresenceChangeRow, room: RoomKey) => T,
    private readonly watch: RoomWatch,
  ) {
    super();
    feed.cursors.add(this);
  }

  next(): Promise<IteratorResult<T>> {
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      if (this.waiter) {
        this.queued.push({ resolve, reject });
      } else {
        this.waiter = { resolve, reject };
        this.serve();
      }
    });
  }

  /**
   * Answers waiting reads from the rows in hand, reads the feed when it has more, else waits:
   * the feed calls this again when it advances.
   */
  serve(): void {
    while (this.waiter && !this.reading) {
      const row = this.done ? undefined : this.nextRow();
      if (row) {
        const waiter = this.answered();
        let value: T;
        try {
          value = this.map(row, this.feed.room);
        } catch (error) {
          // Not thrown on: serve runs inside the feed's advance, which wakes the other watchers too.
          waiter.reject(error);
          this.finish();
          return;
        }
        waiter.resolve({ value, done: false });
      } else if (this.done) {
        this.answered().resolve(DONE);
      } else if (this.mustRead || (this.feed.knownVersion > this.last && this.feed.knownVersion > this.emptyAt)) {
        this.read();
      } else {
        return;
      }
    }
  }

  /** The oldest waiting read, which the caller answers; the next in the queue takes its place. */
  private answered(): Waiter<T> {
    const waiter = this.waiter!;
    this.waiter = this.queued.shift() ?? null;
    return waiter;
  }

  private nextRow(): PresenceChangeRow | undefined {
    while (this.index < this.rows.length) {
      const row = this.rows[this.index++]!;
      if (row.version <= this.last) continue;
      this.last = row.version;
      return row;
    }
    this.rows = NO_ROWS;
    this.index = 0;
    return undefined;
  }

  private read(): void {
    this.mustRead = false;
    this.reading = true;
    const knownBefore = this.feed.knownVersion;
    this.feed.load(this.last).then(
      (rows) => {
        this.reading = false;
        if (rows.length > 0) this.rows = rows;
        else this.emptyAt = knownBefore;
        this.serve();
      },
      (error: unknown) => {
        this.reading = false;
        this.answered().reject(error);
        this.finish();
      },
    );
  }

  /** Releases everything the cursor holds; reads that wait are answered done. */
  protected finish(): void {
    if (!this.done) {
      this.done = true;
      this.rows = NO_ROWS;
      this.feed.cursors.delete(this);
      this.watch.release();
    }
    this.serve();
  }
}
