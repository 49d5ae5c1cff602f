import { z } from 'zod';

/**
 * The whole environment, parsed once. Every other module receives a `Config`; nothing else reads
 * `process.env`, so tests can build a service from a plain object.
 */

export type DatabaseLocation =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string | null };

export interface AppSecret {
  appId: string;
  secret: string;
}

/** How callbacks are authenticated: one secret for every app, or an allow-list with per-app secrets. */
export type CallbackAuth =
  | { mode: 'shared'; secret: string; isDevelopmentSecret: boolean }
  | { mode: 'per-app'; apps: ReadonlyMap<string, string> };

export interface Config {
  port: number;
  host: string;
  database: DatabaseLocation;
  callbackAuth: CallbackAuth;
  timestampToleranceS: number;
  /** Redis that carries change notices between instances; without it they stay in this process. */
  redisUrl: string | null;
  /** How often live feeds re-read their rooms' versions, in case a notice was lost. */
  liveCatchUpS: number;
  production: boolean;
  /** Whether `/` serves the live occupancy page: by default everywhere but in production. */
  livePage: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** The secret the bundled simulator signs with when no secret is configured outside production. */
export const DEVELOPMENT_SECRET = 'dev-secret';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const UINT32_MAX = 4294967295n;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const integerVar = (fallback: number, min: number, max: number) =>
  optionalText.transform((value, ctx) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });

/** An on/off switch; undefined when unset, so that the default can depend on other variables. */
const switchVar = optionalText.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const normalised = value.toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(normalised)) return true;
  if (['0', 'false', 'off', 'no'].includes(normalised)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be on or off (1/0, true/false)' });
  return z.NEVER;
});

const environmentSchema = z.object({
  PORT: integerVar(4000, 0, 65535),
  HOST: optionalText.transform((value) => value ?? '127.0.0.1'),
  DATABASE_URL: optionalText.transform((value, ctx): DatabaseLocation => {
    if (value === undefined) return { kind: 'pglite', dataDir: './data' };
    if (value === 'memory://') return { kind: 'pglite', dataDir: null };
    if (/^postgres(ql)?:\/\//.test(value)) {
      try {
        new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
        return z.NEVER;
      }
      return { kind: 'postgres', url: value };
    }
    if (value.startsWith('file://')) return { kind: 'pglite', dataDir: value.slice('file://'.length) };
    ctx.addIssue({ code: 'custom', message: 'must be a postgres:// or postgresql:// URL, memory://, or file://<dir>' });
    return z.NEVER;
  }),
  ZEGO_CALLBACK_SECRET: optionalText,
  ZEGO_APPS: optionalText.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const apps = new Map<string, string>();
    for (const pair of value.split(',')) {
      const entry = pair.trim();
      if (entry === '') continue;
      const colon = entry.indexOf(':');
      const appId = colon < 0 ? '' : entry.slice(0, colon).trim();
      const secret = colon < 0 ? '' : entry.slice(colon + 1).trim();
      if (!/^\d+$/.test(appId) || BigInt(appId) > UINT32_MAX || secret === '') {
        ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 40)}" is not <appid>:<secret> with a numeric appid` });
        continue;
      }
      const canonical = BigInt(appId).toString();
      if (apps.has(canonical)) ctx.addIssue({ code: 'custom', message: `appid ${canonical} is listed twice` });
      apps.set(canonical, secret);
    }
    if (apps.size === 0) ctx.addIssue({ code: 'custom', message: 'lists no app' });
    return apps;
  }),
  ZEGO_TIMESTAMP_TOLERANCE_S: integerVar(300, 0, 10 * 365 * 24 * 3600),
  REDIS_URL: optionalText.refine((value) => value === undefined || /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL'),
  LIVE_CATCH_UP_S: integerVar(5, 1, 3600),
  NODE_ENV: optionalText,
  LIVE_PAGE: switchVar,
  LOG_LEVEL: optionalText.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
});

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  // Checks across variables look at the raw values, so they are reported alongside the others.
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  if (isSet('ZEGO_CALLBACK_SECRET') && isSet('ZEGO_APPS')) {
    problems.push('ZEGO_CALLBACK_SECRET and ZEGO_APPS: set one of them, not both');
  }
  if (env.NODE_ENV?.trim() === 'production' && !isSet('ZEGO_CALLBACK_SECRET') && !isSet('ZEGO_APPS')) {
    problems.push('ZEGO_CALLBACK_SECRET or ZEGO_APPS: required when NODE_ENV=production');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const vars = parsed.data;
  const production = vars.NODE_ENV === 'production';
  const callbackAuth: CallbackAuth =
    vars.ZEGO_APPS !== undefined
      ? { mode: 'per-app', apps: vars.ZEGO_APPS }
      : {
          mode: 'shared',
          secret: vars.ZEGO_CALLBACK_SECRET ?? DEVELOPMENT_SECRET,
          isDevelopmentSecret: vars.ZEGO_CALLBACK_SECRET === undefined,
        };

  return {
    port: vars.PORT,
    host: vars.HOST,
    database: vars.DATABASE_URL,
    callbackAuth,
    timestampToleranceS: vars.ZEGO_TIMESTAMP_TOLERANCE_S,
    redisUrl: vars.REDIS_URL ?? null,
    liveCatchUpS: vars.LIVE_CATCH_UP_S,
    production,
    // The page shows who is in which room: in production it is served only when asked for.
    livePage: vars.LIVE_PAGE ?? !production,
    logLevel: vars.LOG_LEVEL ?? 'info',
  };
}
