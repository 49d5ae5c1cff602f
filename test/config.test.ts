import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SECRET, loadConfig } from '../src/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      database: { kind: 'pglite', dataDir: './data' },
      timestampToleranceS: 300,
      production: false,
      callbackAuth: { mode: 'shared', secret: DEVELOPMENT_SECRET, isDevelopmentSecret: true },
    });
  });

  it('reads database locations', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://' }).database).toEqual({ kind: 'pglite', dataDir: null });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h:5432/db' }).database).toEqual({ kind: 'postgres', url: 'postgresql://u@h:5432/db' });
  });

  it('reads per-app secrets', () => {
    const config = loadConfig({ ZEGO_APPS: '1:one, 0002:two' });
    expect(config.callbackAuth).toEqual({ mode: 'per-app', apps: new Map([['1', 'one'], ['2', 'two']]) });
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', ZEGO_APPS: 'abc', ZEGO_TIMESTAMP_TOLERANCE_S: '-1', LOG_LEVEL: 'loud' });
    expect([...new Set(problems.map((p) => p.split(':')[0]))].sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'ZEGO_APPS', 'ZEGO_TIMESTAMP_TOLERANCE_S']);
  });

  it('refuses both kinds of secret at once', () => {
    expect(problemsOf({ ZEGO_CALLBACK_SECRET: 's', ZEGO_APPS: '1:a' })).toEqual(['ZEGO_CALLBACK_SECRET and ZEGO_APPS: set one of them, not both']);
  });

  it('refuses to run in production without a callback secret', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['ZEGO_CALLBACK_SECRET or ZEGO_APPS: required when NODE_ENV=production']);
    expect(loadConfig({ NODE_ENV: 'production', ZEGO_CALLBACK_SECRET: 's' }).callbackAuth).toMatchObject({ secret: 's', isDevelopmentSecret: false });
  });

  it('serves the live page outside production, and in production only when LIVE_PAGE turns it on', () => {
    expect(loadConfig({}).livePage).toBe(true);
    expect(loadConfig({ LIVE_PAGE: 'off' }).livePage).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ZEGO_CALLBACK_SECRET: 's' }).livePage).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ZEGO_CALLBACK_SECRET: 's', LIVE_PAGE: '1' }).livePage).toBe(true);
    expect(problemsOf({ LIVE_PAGE: 'maybe' })).toEqual(['LIVE_PAGE: must be on or off (true/false, 1/0, yes/no)']);
  });
});
