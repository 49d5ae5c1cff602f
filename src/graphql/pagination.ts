import type { PageInfoShape } from '@pothos/plugin-relay';
import { builder } from './builder.js';
import { badUserInput } from './errors.js';

/** Forward pagination with `first`/`after`, shared by every connection of the API. */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** `first` as a row count. Out of range is an error, never a silent clamp: a client asking for 1,000 must learn it got fewer. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}; got ${first}`);
  }
  return first;
}

/**
 * Cursors are opaque to clients: base64url of a JSON array whose first element names the list
 * (so a cursor of one list is refused by another) and whose rest is the keyset position.
 */
export function encodeCursor(list: string, position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...position]), 'utf8').toString('base64url');
}

/** The position in `after`, checked against `shape`; null when there is no cursor. */
export function decodeCursor<T>(list: string, after: string | null | undefined, shape: (parts: unknown[]) => T | undefined): T | null {
  if (after == null) return null;
  let parts: unknown;
  try {
    parts = /^[A-Za-z0-9_-]*={0,2}$/.test(after) ? JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) : undefined;
  } catch {
    parts = undefined;
  }
  const position = Array.isArray(parts) && parts[0] === list ? shape(parts.slice(1)) : undefined;
  if (position === undefined) {
    throw badUserInput('after', 'after is not a cursor of this list: pass an endCursor or edge cursor this list returned');
  }
  return position;
}

/** Epoch milliseconds a Date can hold: a cursor claiming another instant is not one this API made. */
export function isInstantMs(value: unknown): value is number {
  return Number.isSafeInteger(value) && Math.abs(value as number) <= 8.64e15;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfoShape;
  totalCount: () => Promise<number>;
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only tells that there is a next page.
 * No backward pagination is offered, so there is never a previous page to go to.
 */
export function pageOf<Row, T>(
  rows: readonly Row[],
  limit: number,
  cursorOf: (row: Row) => string,
  nodeOf: (row: Row) => T,
  totalCount: () => Promise<number>,
): Page<T> {
  const edges = rows.slice(0, limit).map((row) => ({ cursor: cursorOf(row), node: nodeOf(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: once(totalCount),
  };
}

export function emptyPage<T>(): Page<T> {
  return {
    edges: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: async () => 0,
  };
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
}

/** The `first`/`after` arguments of a connection field. Backward pagination (`last`/`before`) is not offered. */
export function pageArgs() {
  return builder.args((t) => ({
    first: t.int({ description: `How many items to return: ${DEFAULT_PAGE_SIZE} when left out, at most ${MAX_PAGE_SIZE}.` }),
    after: t.string({ description: 'Return the items after this cursor: the endCursor, or an edge cursor, of a page of this list.' }),
  }));
}
