import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * Long-lived connections (WebSockets and SSE streams) per client address: one client cannot hold
 * the whole server's sockets. Behind a load balancer the address comes from X-Forwarded-For, the
 * same way Fastify reads it, when TRUST_PROXY is set.
 */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly perAddress: number,
    private readonly trustProxy: boolean,
  ) {}

  addressOf(request: IncomingMessage): string {
    return this.trustProxy ? proxyAddr(request, () => true) : (request.socket.remoteAddress ?? 'unknown');
  }

  /** Takes a slot for `address`; returns the function that gives it back, or null when the address has none left. */
  acquire(address: string): (() => void) | null {
    const current = this.open.get(address) ?? 0;
    if (this.perAddress > 0 && current >= this.perAddress) return null;
    this.open.set(address, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left <= 0) this.open.delete(address);
      else this.open.set(address, left);
    };
  }

  get limit(): number {
    return this.perAddress;
  }
}
