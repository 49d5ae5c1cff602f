import { loginEvent, postCallback, signed, type Fields } from './zego.js';

/** What became of each callback of a load: its HTTP status, or 'no answer' when the connection failed. */
export interface LoadRecord {
  user: string;
  answer: number | 'no answer';
}

/**
 * Posts distinct signed logins from `workers` loops until `stop()` is called, spreading them over
 * `rooms` rooms, and records every answer.
 */
export function callbackLoad(url: string, options: { appId: string; rooms: number; workers: number }) {
  const records: LoadRecord[] = [];
  let running = true;
  let n = 0;
  const loops = Array.from({ length: options.workers }, async () => {
    while (running) {
      const i = n++;
      const user = `load-${i}`;
      const fields: Fields = loginEvent({ appId: options.appId, roomId: `load-room-${i % options.rooms}`, user, session: String(i + 1), at: 1_700_000_000_000 + i });
      try {
        const response = await postCallback(url, signed(fields));
        records.push({ user, answer: response.status });
      } catch {
        records.push({ user, answer: 'no answer' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}
