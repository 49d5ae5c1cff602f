import { randomBytes } from 'node:crypto';
import { loginEvent, signed } from '../../test/support/zego.js';
import { BENCH_SECRET } from './service.js';

/** Room ids for the subscription benchmarks, "room-1".."room-n". */
export const roomIds = (count: number, prefix = 'room'): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

/**
 * One resident per room, so that subscribers find an open room with a member in their snapshot,
 * as a viewer of a live room would.
 */
export async function openRooms(baseUrl: string, appId: string, rooms: readonly string[]): Promise<void> {
  const queue = [...rooms];
  const at = Date.now() - 60_000;
  const worker = async () => {
    for (let roomId = queue.shift(); roomId !== undefined; roomId = queue.shift()) {
      const fields = loginEvent({ appId, roomId, user: `resident-${roomId}`, session: String(queue.length + 1), at, updateSeq: 1 });
      const body = JSON.stringify(signed(fields, { secret: BENCH_SECRET, nonce: randomBytes(8).toString('hex') }));
      const response = await fetch(`${baseUrl}/callbacks/zego`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (response.status !== 200) throw new Error(`opening room ${roomId}: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** One GraphQL query over HTTP, failing on any error: warms the query path and proves the service answers. */
export async function queryRooms(baseUrl: string, appId: string): Promise<void> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query ($appId: String) { rooms(appId: $appId, first: 10) { totalCount edges { node { roomId memberCount } } } }', variables: { appId } }),
  });
  const result = (await response.json()) as { errors?: unknown };
  if (!response.ok || result.errors) throw new Error(`rooms query: ${response.status} ${JSON.stringify(result)}`);
}

/**
 * The service's Prometheus text, read once, as a lookup of series by name (with labels where they
 * matter, e.g. `nodejs_gc_duration_seconds_count{kind="major"}`); NaN for a series it does not have.
 */
export async function serviceMetrics(baseUrl: string): Promise<(name: string) => number> {
  const lines = (await (await fetch(`${baseUrl}/metrics`)).text()).split('\n');
  return (name) => {
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  };
}

/** A gauge or counter of the service's Prometheus text, e.g. nodejs_heap_size_used_bytes. */
export async function serviceMetric(baseUrl: string, name: string): Promise<number> {
  return (await serviceMetrics(baseUrl))(name);
}
