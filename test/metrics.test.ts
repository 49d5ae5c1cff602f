import { describe, expect, it } from 'vitest';
import { databaseTargets } from './support/databases.js';
import { serviceFixture, startService } from './support/service.js';
import { subscribeSse, subscribeWs, wsClient } from './support/subscriptions.js';
import { loginEvent, logoutEvent, postCallback, signed } from './support/zego.js';

/** The value of one series in Prometheus' text format; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((w) => present.includes(w))) return Number(match[3]);
  }
  return 0;
}

describe.each(databaseTargets())('GET /metrics ($name)', (target) => {
  const metrics = async () => {
    const response = await fetch(`${fixture.service.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  const fixture = serviceFixture(target);

  it('counts callbacks by event and outcome, and times those that reached the database', async () => {
    const login = signed(loginEvent({ appId: '620', roomId: 'm', user: 'a', session: '1', at: 1000, updateSeq: 1 }));
    await postCallback(fixture.service.url, login);
    await postCallback(fixture.service.url, login);
    await postCallback(fixture.service.url, { ...login, signature: 'f'.repeat(40) });
    await postCallback(fixture.service.url, '{', {});
    const text = await metrics();
    expect(sample(text, 'zego_callbacks_total', { event: 'room_login', outcome: 'applied' })).toBe(1);
    expect(sample(text, 'zego_callbacks_total', { event: 'room_login', outcome: 'duplicate' })).toBe(1);
    expect(sample(text, 'zego_callbacks_total', { event: 'room_login', outcome: 'bad_signature' })).toBe(1);
    expect(sample(text, 'zego_callbacks_total', { event: 'other', outcome: 'invalid_body' })).toBe(1);
    expect(sample(text, 'zego_callback_duration_seconds_count', { event: 'room_login' })).toBe(2);
  });

  it('counts late events (reorders absorbed) and user_update_seq numbers found missing', async () => {
    const room = { appId: '620', roomId: 'order' };
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'a', session: '1', at: 1000, updateSeq: 1 })));
    // 2 and 3 are missing when 4 arrives...
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'b', session: '2', at: 4000, updateSeq: 4 })));
    // ...then 3 arrives late.
    await postCallback(fixture.service.url, signed(logoutEvent({ ...room, user: 'a', session: '1', loginAt: 1000, at: 3000, updateSeq: 3 })));
    const text = await metrics();
    expect(sample(text, 'presence_update_seq_missing_total')).toBe(2);
    expect(sample(text, 'presence_late_events_total')).toBe(1);
    expect(sample(text, 'presence_commit_batch_events_count')).toBeGreaterThanOrEqual(3);
  });

  it('shows active connections and subscriptions by transport', async () => {
    const client = wsClient(fixture.service.url);
    const query = 'subscription { roomPresence(appId: "620", roomId: "m") { kind } }';
    const overWs = [subscribeWs(client, query), subscribeWs(client, query)];
    const overSse = subscribeSse(fixture.service.url, query);
    for (const s of [...overWs, overSse]) await s.next();
    let text = await metrics();
    expect(sample(text, 'graphql_websocket_connections')).toBe(1);
    expect(sample(text, 'graphql_subscriptions', { transport: 'websocket' })).toBe(2);
    expect(sample(text, 'graphql_sse_streams')).toBe(1);
    expect(sample(text, 'graphql_subscriptions', { transport: 'sse' })).toBe(1);

    for (const s of [...overWs, overSse]) s.stop();
    await client.dispose();
    await new Promise((resolve) => setTimeout(resolve, 200));
    text = await metrics();
    expect(sample(text, 'graphql_websocket_connections')).toBe(0);
    expect(sample(text, 'graphql_subscriptions', { transport: 'websocket' })).toBe(0);
    expect(sample(text, 'graphql_sse_streams')).toBe(0);
  });

  it('includes the process metrics', async () => {
    expect(sample(await metrics(), 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

describe.runIf(databaseTargets().some((t) => t.name === 'postgres'))('GET /metrics on PostgreSQL', () => {
  it("shows this instance's database connections by state", async () => {
    const database = await databaseTargets().find((t) => t.name === 'postgres')!.create();
    const service = await startService(database.handle);
    try {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const active = sample(text, 'database_connections', { state: 'active' });
      const idle = sample(text, 'database_connections', { state: 'idle' });
      // The scrape's own query runs on one of them; the pool holds at most 10.
      expect(active).toBeGreaterThanOrEqual(1);
      expect(active + idle).toBeLessThanOrEqual(10);
    } finally {
      await service.app.stop();
      await database.dispose();
    }
  });
});
