import { describe, expect, it } from 'vitest';
import { isValidSignature } from '../src/callbacks/signature.js';
import { compareRooms, type ServiceRoom } from '../scripts/simulator/comparison.js';
import { deliverWithRetries, signCallback, ZEGO_RETRY_DELAYS_S, type Answer } from '../scripts/simulator/delivery.js';
import { createDeliveryOrder, type Dispatch } from '../scripts/simulator/delivery-order.js';
import { Dice } from '../scripts/simulator/dice.js';
import type { TrueRoom } from '../scripts/simulator/traffic-model.js';

const answer = (status: number): Answer => ({ kind: 'answer', status, body: { ok: status < 300 } });
const noAnswer: Answer = { kind: 'no-answer', error: 'ECONNRESET' };

function scripted(answers: Answer[]) {
  const slept: number[] = [];
  let tries = 0;
  return {
    slept,
    tries: () => tries,
    attempt: async () => answers[tries++] ?? answer(200),
    sleep: async (ms: number) => void slept.push(ms),
  };
}

describe('delivery as ZEGO does it', () => {
  const delaysMs = ZEGO_RETRY_DELAYS_S.map((s) => s * 1000);

  it('retries anything but a 2xx 2, 4, 8, 16 and 32 s after the previous try, then gives the callback up', async () => {
    const script = scripted([answer(503), noAnswer, answer(400), answer(401), answer(500), answer(502), answer(200)]);
    let retries = 0;
    const outcome = await deliverWithRetries(script.attempt, delaysMs, { sleep: script.sleep, onRetry: () => retries++ });
    expect(outcome).toMatchObject({ accepted: false, attempts: 6, last: answer(502) });
    expect(script.slept).toEqual([2000, 4000, 8000, 16000, 32000]);
    expect(retries).toBe(5);
    expect(script.tries()).toBe(6);
  });

  it('stops at the first 2xx', async () => {
    const script = scripted([noAnswer, answer(204)]);
    const seen: Answer[] = [];
    const outcome = await deliverWithRetries(script.attempt, delaysMs, { sleep: script.sleep, onAnswer: (a) => seen.push(a) });
    expect(outcome).toMatchObject({ accepted: true, attempts: 2 });
    expect(script.slept).toEqual([2000]);
    expect(seen).toEqual([noAnswer, answer(204)]);
  });

  it('signs each try with ZEGO\'s signature for its own timestamp', () => {
    const sent = signCallback({ event: 'room_login', appid: '1' }, 'secret', 1_470_820_198_999, '123412');
    expect(sent).toEqual({
      event: 'room_login',
      appid: '1',
      timestamp: '1470820198',
      nonce: '123412',
      signature: '5bd59fd62953a8059fb7eaba95720f66d19e4517',
    });
    expect(isValidSignature('secret', sent.timestamp!, sent.nonce!, sent.signature!)).toBe(true);
  });
});

describe('the delivery order', () => {
  const callbacks = Array.from({ length: 2000 }, (_, i) => ({ n: String(i) }));
  const deliver = (seed: number, duplicate: number, reorder: number, window = 20): Dispatch[] => {
    const order = createDeliveryOrder(Dice.of(seed, 1), { duplicate, reorder, window });
    return [...callbacks.flatMap((content) => order.push(content)), ...order.flush()];
  };

  it('is the true order when asked for neither duplicates nor reordering', () => {
    expect(deliver(1, 0, 0).map((d) => d.content)).toEqual(callbacks);
  });

  it('sends every callback once, some twice, and lets at most `window` later ones overtake a held one', () => {
    const dispatched = deliver(3, 0.1, 0.2, 20);
    const originals = dispatched.filter((d) => !d.duplicate).map((d) => Number(d.content.n));
    expect([...originals].sort((a, b) => a - b)).toEqual(callbacks.map((_, i) => i));
    expect(originals).not.toEqual([...originals].sort((a, b) => a - b));

    const duplicates = dispatched.filter((d) => d.duplicate).length;
    expect(duplicates).toBeGreaterThan(2000 * 0.05);
    expect(duplicates).toBeLessThan(2000 * 0.15);
    const held = dispatched.filter((d) => d.heldBack).length;
    expect(held).toBeGreaterThan(2000 * 0.15);
    expect(held).toBeLessThan(2000 * 0.25);

    originals.forEach((n, position) => {
      const overtakenBy = originals.slice(0, position).filter((earlier) => earlier > n).length;
      expect(overtakenBy).toBeLessThanOrEqual(20);
    });
  });

  it('is the same for the same seed', () => {
    expect(deliver(5, 0.1, 0.2)).toEqual(deliver(5, 0.1, 0.2));
    expect(deliver(5, 0.1, 0.2)).not.toEqual(deliver(6, 0.1, 0.2));
  });
});

describe('the final comparison', () => {
  const member = (userAccount: string, sessionId = '9007199254740993') => ({ userAccount, nickname: userAccount, sessionId, roleCode: 2, loginAt: 1_760_000_000_000 });
  const truth: TrueRoom[] = [
    { roomId: 'sim-room-0', roomSeq: '18446744073709551615', isOpen: true, members: [member('a'), member('b')] },
    { roomId: 'sim-room-1', roomSeq: '5', isOpen: false, members: [] },
  ];
  const asService = (rooms: TrueRoom[]): ServiceRoom[] => rooms.map((room) => ({ ...room, memberCount: room.members.length }));

  it('finds no difference in the truth itself', () => {
    expect(compareRooms(truth, asService(truth))).toEqual([]);
  });

  it('names every kind of difference', () => {
    const service: ServiceRoom[] = [
      { roomId: 'sim-room-0', roomSeq: '18446744073709551614', isOpen: false, memberCount: 3, members: [member('b', '9007199254740992'), member('c')] },
    ];
    expect(compareRooms(truth, service).map((d) => `${d.roomId}: ${d.detail}`)).toEqual([
      'sim-room-0: lifecycle 18446744073709551614 where the truth is 18446744073709551615',
      'sim-room-0: closed where the truth is open',
      'sim-room-0: memberCount 3 but 2 members listed',
      expect.stringMatching(/^sim-room-0: a missing \(truth: session 9007199254740993/),
      expect.stringMatching(/^sim-room-0: b has session 9007199254740992, .*; truth: session 9007199254740993/),
      expect.stringMatching(/^sim-room-0: c present but gone in truth/),
      'sim-room-1: missing from the service (truth: 0 members, lifecycle 5)',
    ]);
  });
});
