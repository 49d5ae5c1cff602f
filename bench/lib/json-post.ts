import { Agent, request } from 'node:http';

// Idle sockets of a keep-alive agent are unref'd, so this never holds the bench process open.
const agent = new Agent({ keepAlive: true });

/**
 * POSTs JSON over a kept-alive connection with node:http, for the latencies timed one request at
 * a time. fetch (undici, with its WHATWG streams) added 1.5–2 ms of the client's own work to each
 * request: history pages against the same service, same run, p50 5.7–6.3 ms through fetch and
 * 3.9–4.7 ms through this. That time is the load generator's, not the service's.
 */
export function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
