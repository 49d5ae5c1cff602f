import { createApp, type App, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { TEST_SECRET } from './zego.js';

export interface TestService extends RunningApp {
  app: App;
}

/** Starts the real service on a free port over the given database. */
export async function startService(
  database: DatabaseHandle,
  env: Record<string, string> = {},
  options: { now?: () => number } = {},
): Promise<TestService> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ZEGO_CALLBACK_SECRET: TEST_SECRET,
    ...env,
  });
  const app = createApp(config, { database, ...options });
  const running = await app.start();
  return { ...running, app };
}
