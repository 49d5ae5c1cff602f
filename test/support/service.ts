import { afterAll, beforeAll } from 'vitest';
import { createApp, type App, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import type { DatabaseTarget, TestDatabase } from './databases.js';
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

export interface ServiceFixture {
  database: TestDatabase;
  service: TestService;
}

/**
 * A fresh test database with the service started on it, for the tests of one describe block:
 * created before them, stopped and dropped after. Read its fields inside tests, once set.
 */
export function serviceFixture(target: DatabaseTarget, env: Record<string, string> = {}): ServiceFixture {
  const fixture = {} as ServiceFixture;
  beforeAll(async () => {
    fixture.database = await target.create();
    fixture.service = await startService(fixture.database.handle, env);
  });
  afterAll(async () => {
    await fixture.service?.app.stop();
    await fixture.database?.dispose();
  });
  return fixture;
}
