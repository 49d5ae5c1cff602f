import { randomInt } from 'node:crypto';
import { zegoSignature } from '../../src/callbacks/signature.js';
import type { CallbackContent } from './traffic-model.js';

/** Delivering one callback the way ZEGO does: signed at send time, retried on anything but a 2xx. */

/** After a non-2xx or no answer, ZEGO tries again this many seconds after the previous try, then gives up. */
export const ZEGO_RETRY_DELAYS_S = [2, 4, 8, 16, 32] as const;

export type Answer =
  | { kind: 'answer'; status: number; body: Record<string, unknown> | null }
  | { kind: 'no-answer'; error: string };

export interface DeliveryOutcome {
  accepted: boolean;
  attempts: number;
  last: Answer;
}

export const isAccepted = (answer: Answer) => answer.kind === 'answer' && answer.status >= 200 && answer.status < 300;

/**
 * Tries once, then once after each delay. ZEGO does not say whether a retry reuses its timestamp
 * and nonce; every try here is signed afresh, so a retry can never fall outside the service's
 * timestamp window however long the schedule.
 */
export async function deliverWithRetries(
  attempt: () => Promise<Answer>,
  retryDelaysMs: readonly number[],
  hooks: { sleep: (ms: number) => Promise<void>; onAnswer?: (answer: Answer) => void; onRetry?: () => void },
): Promise<DeliveryOutcome> {
  for (let tries = 1; ; tries++) {
    const answer = await attempt();
    hooks.onAnswer?.(answer);
    if (isAccepted(answer)) return { accepted: true, attempts: tries, last: answer };
    if (tries > retryDelaysMs.length) return { accepted: false, attempts: tries, last: answer };
    await hooks.sleep(retryDelaysMs[tries - 1]!);
    hooks.onRetry?.();
  }
}

/** The callback as sent: its content plus ZEGO's common fields, signed for `nowMs`. */
export function signCallback(content: CallbackContent, secret: string, nowMs: number, nonce: string): CallbackContent {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { ...content, timestamp, nonce, signature: zegoSignature(secret, timestamp, nonce) };
}

/** One try: POST the signed callback as JSON; a timeout or a dropped connection is no answer. */
export async function postCallback(url: string, content: CallbackContent, secret: string, timeoutMs: number): Promise<Answer> {
  const body = JSON.stringify(signCallback(content, secret, Date.now(), String(randomInt(100_000, 1_000_000_000))));
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // A proxy's HTML error page: the status is what counts.
    }
    return { kind: 'answer', status: response.status, body: parsed };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: 'no-answer', error: cause ?? (error as Error).name ?? String(error) };
  }
}
