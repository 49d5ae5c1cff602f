import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { databaseTargets } from './support/databases.js';
import { queryData } from './support/graphql.js';
import { serviceFixture } from './support/service.js';
import { runSimulator } from './support/simulator.js';
import { TEST_SECRET } from './support/zego.js';

/**
 * The simulator against a started service: ZEGO-like traffic, delivered in order or not, with
 * duplicates and failures, must end in the true membership by the simulator's own comparison.
 */

const SECRET_ENV = { ZEGO_CALLBACK_SECRET: TEST_SECRET };
// Fast enough for seconds-long tests, slow enough not to time out on a loaded 2-core machine.
const traffic = (prefix: string, seed: number, events: number) => [
  '--rooms', '4', '--users', '20', '--rate', '100', '--events', String(events), '--seed', String(seed),
  '--prefix', prefix, '--app-id', '77', '--retry-scale', '0.01', '--timeout', '30',
];

const ROOM_COUNTS = /* GraphQL */ `
  query { rooms(appId: "77", first: 500) { edges { node { roomId memberCount } } } }
`;

describe.each(databaseTargets())('the simulator ($name)', (target) => {
  const callbackUrl = () => `${fixture.service.url}/callbacks/zego`;

  const fixture = serviceFixture(target);

  /** Members of the run's rooms, by the service, asked independently of the simulator. */
  const serviceMembersOf = async (prefix: string) => {
    const data = await queryData<{ rooms: { edges: { node: { roomId: string; memberCount: number } }[] } }>(fixture.service.url, ROOM_COUNTS);
    return data.rooms.edges.filter(({ node }) => node.roomId.startsWith(`${prefix}-room-`)).reduce((sum, { node }) => sum + node.memberCount, 0);
  };

  it('plays in-order traffic that the service follows exactly', async () => {
    const { code, report } = await runSimulator(['--url', callbackUrl(), ...traffic('plain', 11, 120)], SECRET_ENV);
    expect(report.differences).toEqual([]);
    expect(report.converged).toBe(true);
    expect(code).toBe(0);
    expect(report.delivery).toMatchObject({ sent: report.callbacksPlayed, accepted: report.callbacksPlayed, failed: 0, duplicatesSent: 0, heldBack: 0 });
    expect(report.callbacksPlayed).toBeGreaterThanOrEqual(120);
    expect(report.truth.members).toBeGreaterThan(0);
    expect(await serviceMembersOf('plain')).toBe(report.truth.members);
  });

  it('converges with duplicates and reordering, applying each callback once', async () => {
    const { code, report } = await runSimulator(
      ['--url', callbackUrl(), ...traffic('messy', 12, 200), '--duplicate', '0.1', '--reorder', '0.2'],
      SECRET_ENV,
    );
    expect(report.differences).toEqual([]);
    expect(code).toBe(0);
    expect(report.delivery.duplicatesSent).toBeGreaterThan(5);
    expect(report.delivery.heldBack).toBeGreaterThan(15);
    expect(report.delivery.failed).toBe(0);
    expect(report.delivery.outcomes.applied).toBe(report.callbacksPlayed);
    expect(report.delivery.outcomes.duplicate).toBeGreaterThanOrEqual(report.delivery.duplicatesSent);
    expect(await serviceMembersOf('messy')).toBe(report.truth.members);
  });

  it('retries through refusals and dropped connections, as ZEGO does, and still converges', async () => {
    const flaky = await flakyProxy(fixture.service.url);
    try {
      const { code, report } = await runSimulator(['--url', `${flaky.url}/callbacks/zego`, ...traffic('flaky', 13, 80)], SECRET_ENV);
      expect(report.differences).toEqual([]);
      expect(code).toBe(0);
      expect(report.delivery.retried).toBeGreaterThan(10);
      expect(report.delivery.failed).toBe(0);
      expect(Object.keys(report.delivery.refusals)).toEqual(expect.arrayContaining(['503']));
      expect(Object.keys(report.delivery.refusals).some((key) => key.startsWith('no answer'))).toBe(true);
    } finally {
      await flaky.close();
    }
  });

  it('reports the difference and exits 1 when the service refuses every callback', async () => {
    const { code, report } = await runSimulator(
      ['--url', callbackUrl(), ...traffic('refused', 14, 12), '--retry-scale', '0.001'],
      { ZEGO_CALLBACK_SECRET: 'not-the-service-secret' },
    );
    expect(code).toBe(1);
    expect(report.converged).toBe(false);
    expect(report.delivery.failed).toBe(report.delivery.sent);
    expect(report.delivery.retried).toBe(report.delivery.sent * 5);
    expect(report.delivery.refusals['401 bad_signature']?.count).toBe(report.delivery.sent * 6);
    expect(report.differences.length).toBe(report.truth.rooms);
  });
});

/**
 * A proxy in front of the service that fails some callbacks' first tries: every 5th callback is
 * answered 503 once, every 7th loses its connection once, and every 35th both, one after the
 * other. No callback fails more than twice, so ZEGO's five retries always get it through and
 * the test does not depend on luck.
 */
async function flakyProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  // Each callback's number in order of first arrival, and how many tries it has had.
  const seen = new Map<string, { number: number; tries: number }>();
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    // A callback is known by its content; the timestamp, nonce and signature change with each try.
    const { timestamp: _t, nonce: _n, signature: _s, ...content } = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const key = JSON.stringify(content);
    const callback = seen.get(key) ?? { number: seen.size + 1, tries: 0 };
    callback.tries += 1;
    seen.set(key, callback);
    const refusals = [...(callback.number % 7 === 0 ? ['drop'] : []), ...(callback.number % 5 === 0 ? ['503'] : [])];
    const refusal = refusals[callback.tries - 1];
    if (refusal === 'drop') {
      request.socket.destroy();
      return;
    }
    if (refusal === '503') {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"ok":false}');
      return;
    }
    const forwarded = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
      body,
    });
    response.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(await forwarded.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
