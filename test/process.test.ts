import { describe, expect, it } from 'vitest';
import { startMain } from './support/process.js';

describe('the service process', () => {
  it('starts on the embedded database, serves, and stops cleanly on SIGTERM', async () => {
    const main = startMain({ DATABASE_URL: 'memory://', PORT: '0' });
    const url = await main.listening;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // Outside production with no secret, it warns loudly.
    expect(main.lines.some((l) => l.includes('NO CALLBACK SECRET CONFIGURED'))).toBe(true);

    main.child.kill('SIGTERM');
    const [code] = await main.exited;
    expect(code).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('stops cleanly on SIGINT too', async () => {
    const main = startMain({ DATABASE_URL: 'memory://', PORT: '0' });
    await main.listening;
    main.child.kill('SIGINT');
    expect((await main.exited)[0]).toBe(0);
  });

  it('refuses to start with a bad configuration, naming every problem', async () => {
    const main = startMain({ NODE_ENV: 'production', PORT: 'x', DATABASE_URL: 'memory://' });
    const [code] = await main.exited;
    expect(code).toBe(1);
    const output = main.lines.join('\n');
    expect(output).toContain('PORT: must be an integer');
    expect(output).toContain('ZEGO_CALLBACK_SECRET or ZEGO_APPS: required when NODE_ENV=production');
  });
});
