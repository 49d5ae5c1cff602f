import DataLoader from 'dataloader';
import type { Database } from '../db/client.js';
import type { CodeSelection } from '../db/code-selection.js';
import { findLogoutsById, type LogoutRecord } from '../db/logout-history.js';
import { findUpdateSeqGaps, lifecycleText, type LifecycleKey, type UpdateSeqGap } from '../db/update-seq-gaps.js';
import {
  countMembersByRole,
  findMemberPages,
  findRoomForEachKey,
  type MemberPageQuery,
  type PresentMember,
  type RoomKey,
  type RoomView,
} from '../db/room-queries.js';

/**
 * Batching for fields resolved once per item of a list (the room of each logout, the members of
 * each room): every such field resolved in one tick becomes one SQL statement. Nothing is cached
 * across ticks: a subscription keeps its context for as long as it runs, and must not answer with
 * the room as it was when it started.
 */
export interface Loaders {
  roomByKey: DataLoader<RoomKey, RoomView | null>;
  logoutById: DataLoader<number, LogoutRecord | null>;
  members: DataLoader<{ roomPk: number; query: MemberPageQuery }, PresentMember[]>;
  memberCount: DataLoader<{ roomPk: number; roles: CodeSelection }, number>;
  updateSeqGaps: DataLoader<LifecycleKey, UpdateSeqGap[]>;
}

/**
 * The loaders are made on first use: every operation gets a set, but most use none or one of
 * them, and a subscription keeps its context (and so its set) for as long as it runs. Getters on
 * a class cost nothing per context until used; five DataLoaders with their closures cost about
 * 1 KB per idle subscription.
 */
export function createLoaders(db: Database): Loaders {
  return new LazyLoaders(db);
}

class LazyLoaders implements Loaders {
  #roomByKey: Loaders['roomByKey'] | undefined;
  #logoutById: Loaders['logoutById'] | undefined;
  #members: Loaders['members'] | undefined;
  #memberCount: Loaders['memberCount'] | undefined;
  #updateSeqGaps: Loaders['updateSeqGaps'] | undefined;

  constructor(private readonly db: Database) {}

  get roomByKey(): Loaders['roomByKey'] {
    const db = this.db;
    return (this.#roomByKey ??= new DataLoader(
      (keys) => findRoomForEachKey(db, keys),
      { cache: false },
    ));
  }

  get logoutById(): Loaders['logoutById'] {
    const db = this.db;
    return (this.#logoutById ??= new DataLoader(
      async (ids) => {
        const found = new Map((await findLogoutsById(db, ids)).map((logout) => [logout.id, logout]));
        return ids.map((id) => found.get(id) ?? null);
      },
      { cache: false },
    ));
  }

  get members(): Loaders['members'] {
    const db = this.db;
    return (this.#members ??= new DataLoader(
      (requests) =>
        // Rooms asked for with the same arguments (the usual case: one field of a list) share a statement.
        inGroups(requests, (request) => JSON.stringify(request.query), async (group) => {
          const pages = await findMemberPages(db, group.map((request) => request.roomPk), group[0]!.query);
          return group.map((request) => pages.get(request.roomPk) ?? []);
        }),
      { cache: false },
    ));
  }

  get memberCount(): Loaders['memberCount'] {
    const db = this.db;
    return (this.#memberCount ??= new DataLoader(
      (requests) =>
        inGroups(requests, (request) => JSON.stringify(request.roles), async (group) => {
          const counts = await countMembersByRole(db, group.map((request) => request.roomPk), group[0]!.roles);
          return group.map((request) => counts.get(request.roomPk) ?? 0);
        }),
      { cache: false },
    ));
  }

  get updateSeqGaps(): Loaders['updateSeqGaps'] {
    const db = this.db;
    return (this.#updateSeqGaps ??= new DataLoader(
      async (keys) => {
        const gaps = await findUpdateSeqGaps(db, keys);
        return keys.map((key) => gaps.get(lifecycleText(key)) ?? []);
      },
      { cache: false },
    ));
  }
}

/** Splits a batch by `groupKey`, loads each group, and returns the answers in the batch's order. */
async function inGroups<K, V>(keys: readonly K[], groupKey: (key: K) => string, load: (group: K[]) => Promise<V[]>): Promise<V[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, index) => {
    const id = groupKey(key);
    groups.set(id, [...(groups.get(id) ?? []), index]);
  });
  const answers = new Array<V>(keys.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const values = await load(indexes.map((index) => keys[index]!));
      indexes.forEach((index, i) => (answers[index] = values[i]!));
    }),
  );
  return answers;
}
