import type { Answer } from './delivery.js';

/** What became of the callbacks: counted as they go, shown as a progress line and in the report. */
export class DeliveryStats {
  /** Callbacks dispatched, duplicates included; retries are not counted again. */
  sent = 0;
  /** Callbacks answered 2xx, at the first try or a retry. */
  accepted = 0;
  /** Retries made. */
  retried = 0;
  /** Callbacks given up on after the last retry: lost, as ZEGO would lose them. */
  failed = 0;
  duplicatesSent = 0;
  heldBack = 0;
  /** The service's word on accepted callbacks: applied, duplicate, ignored. */
  readonly outcomes = new Map<string, number>();
  /** Answers other than 2xx, by status and error, with one message each. */
  readonly refusals = new Map<string, { count: number; message: string }>();

  get inFlight(): number {
    return this.sent - this.accepted - this.failed;
  }

  recordAnswer(answer: Answer): void {
    if (answer.kind === 'answer' && answer.status >= 200 && answer.status < 300) {
      const outcome = typeof answer.body?.status === 'string' ? answer.body.status : 'accepted';
      this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
      return;
    }
    const [key, message] =
      answer.kind === 'answer'
        ? [`${answer.status} ${String(answer.body?.error ?? '')}`.trim(), String(answer.body?.message ?? '')]
        : [`no answer (${answer.error})`, ''];
    const refusal = this.refusals.get(key) ?? { count: 0, message };
    refusal.count++;
    this.refusals.set(key, refusal);
  }

  progressLine(elapsedS: number): string {
    const rate = elapsedS > 0 ? (this.sent / elapsedS).toFixed(1) : '0.0';
    return `sent ${this.sent}  accepted ${this.accepted}  retried ${this.retried}  failed ${this.failed}  in flight ${this.inFlight}  (${rate}/s)`;
  }
}
