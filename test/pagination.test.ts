import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf, pageSize } from '../src/graphql/pagination.js';

const asPair = (parts: unknown[]) => (parts.length === 2 && typeof parts[0] === 'number' && typeof parts[1] === 'string' ? ([parts[0], parts[1]] as const) : undefined);

describe('page size', () => {
  it('defaults to 50 and accepts 0 to 500', () => {
    expect([pageSize(undefined), pageSize(null), pageSize(0), pageSize(500)]).toEqual([50, 50, 0, 500]);
  });

  it.each([501, -1, 100000])('refuses %i, naming first', (first) => {
    expect(() => pageSize(first)).toThrow(expect.objectContaining({ message: expect.stringMatching(/^first /), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
  });
});

describe('cursors', () => {
  it('round-trip a position, colons and non-ASCII included', () => {
    const cursor = encodeCursor('members', [1663740623660, 'user:ü:1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('members', cursor, asPair)).toEqual([1663740623660, 'user:ü:1']);
    expect(decodeCursor('members', null, asPair)).toBeNull();
  });

  it('refuse a cursor of another list, of another shape, or no cursor at all', () => {
    for (const cursor of [encodeCursor('rooms', [1, 'x']), encodeCursor('members', ['1', 'x']), 'bm90IGpzb24', '!!', '']) {
      expect(() => decodeCursor('members', cursor, asPair)).toThrow(/after is not a cursor of this list/);
    }
  });
});

describe('pages', () => {
  it('use the extra row only to tell that there is a next page', async () => {
    const page = pageOf([1, 2, 3], 2, (n) => `c${n}`, (n) => n * 10, async () => 7);
    expect(page.edges).toEqual([{ cursor: 'c1', node: 10 }, { cursor: 'c2', node: 20 }]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: 'c1', endCursor: 'c2' });
    expect(await page.totalCount()).toBe(7);
    const last = pageOf([1, 2], 2, (n) => `c${n}`, (n) => n, async () => 2);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });
});
