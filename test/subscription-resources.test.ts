import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { startService, type TestService } from './support/service.js';
import { ROOM_PRESENCE, subscribeWs, wsClient, type PresenceChangeResult } from './support/subscriptions.js';
import { loginEvent, postCallback, signed } from './support/zego.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

// The server side of these tests runs in this process, so its listeners and heap can be inspected.
const target = databaseTargets().at(-1)!;

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A graphql-transport-ws client by hand, to misbehave: it can stop reading or vanish without a word. */
async function rawSubscriber(url: string, roomId: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise((resolve) => socket.once('message', resolve));
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: ROOM_PRESENCE, variables: { appId: '500', roomId } } }));
  await new Promise((resolve) => socket.once('message', resolve));
  return socket;
}

describe(`subscriptions hold nothing once gone (${target.name})`, () => {
  let database: TestDatabase;
  let service: TestService;
  let client: Client;

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle);
    client = wsClient(service.url, { lazy: false });
  });
  afterAll(async () => {
    await client?.dispose();
    await service?.app.stop();
    await database?.dispose();
  });

  const cycles = async (count: number, parallel: number) => {
    await Promise.all(
      Array.from({ length: parallel }, async (_, lane) => {
        for (let i = lane; i < count; i += parallel) {
          const changes = subscribeWs<PresenceChangeResult>(client, ROOM_PRESENCE, { appId: '500', roomId: `room-${i % 50}` });
          expect((await changes.next()).data!.roomPresence.kind).toBe('SNAPSHOT');
          changes.stop();
          if (i % 10 === 0) {
            const logouts = subscribeWs(client, 'subscription { logoutEvents(filter: { appId: "500" }) { id } }');
            logouts.stop();
          }
        }
      }),
    );
  };

  it('10,000 subscribe/unsubscribe cycles leave no listeners and no heap growth beyond noise', async () => {
    await postCallback(service.url, signed(loginEvent({ appId: '500', roomId: 'room-0', user: 'u', session: '1', at: 1000 })));
    await cycles(1000, 10); // warm-up: code paths compiled, pools filled
    await until(() => service.feeds.presence.watchedRooms === 0 && service.feeds.logouts.subscriberCount === 0);
    const before = heapAfterGc();

    await cycles(10_000, 10);
    await until(() => service.feeds.presence.watchedRooms === 0 && service.feeds.logouts.subscriberCount === 0);
    const growth = heapAfterGc() - before;
    // A leak of even 500 bytes per subscription would show as 5 MB here.
    expect(growth).toBeLessThan(5 * 1024 * 1024);
  }, 300_000);

  it('releases the subscriptions of a socket that drops without a word', async () => {
    const socket = await rawSubscriber(service.url, 'dropped');
    expect(service.feeds.presence.watchedRooms).toBe(1);
    socket.terminate();
    await until(() => service.feeds.presence.watchedRooms === 0);
  });

  it('never lets a subscriber that stopped reading delay the others or the callbacks', async () => {
    const stalled = await rawSubscriber(service.url, 'busy');
    stalled.pause();
    const healthy = subscribeWs<PresenceChangeResult>(
      client,
      'subscription ($roomId: String!) { roomPresence(appId: "500", roomId: $roomId) { kind memberCount member { userAccount } } }',
      { roomId: 'busy' },
    );
    expect((await healthy.next()).data!.roomPresence.kind).toBe('SNAPSHOT');

    const nickname = 'n'.repeat(1000); // large messages fill the stalled socket's buffers sooner
    const answers = [];
    for (let i = 0; i < 1500; i += 50) {
      const batch = Array.from({ length: 50 }, (_, k) =>
        postCallback(service.url, signed(loginEvent({ appId: '500', roomId: 'busy', user: `u${i + k}`, nickname, session: String(i + k + 1), at: 1000 + i + k }))),
      );
      answers.push(...(await Promise.all(batch)));
    }
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const received = await healthy.take(1500, 10_000);
    expect(received.at(-1)!.data!.roomPresence.memberCount).toBe(1500);
    healthy.stop();
    stalled.terminate();
    await until(() => service.feeds.presence.watchedRooms === 0);
  }, 120_000);
});
