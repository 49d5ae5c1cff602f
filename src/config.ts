import { z } from 'zod';

/**
 * The whole environment, parsed once. Every other module receives a `Config`; nothing else reads
 * `process.env`, so tests can build a service from a plain object.
 */

export type DatabaseLocation =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string | null };

export type ApiScope = 'presence' | 'history';
export const API_SCOPES: readonly ApiScope[] = ['presence', 'history'];

/** A GraphQL API token and what it may read. */
export interface ApiToken {
  token: string;
  scopes: ReadonlySet<ApiScope>;
}

/** Limits on what one client may hold open. */
export interface ConnectionLimits {
  subscriptionsPerConnection: number;
  /** WebSocket connections and SSE streams per client address; 0 for no limit. */
  connectionsPerAddress: number;
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
  /** When set, every GraphQL operation needs one of these tokens; null leaves GraphQL open. */
  apiTokens: readonly ApiToken[] | null;
  limits: ConnectionLimits;
  /** Serve introspection (on outside production; in production only when enabled). */
  introspection: boolean;
  /** Serve GraphiQL to browsers (likewise). */
  graphiql: boolean;
  /** Take the client address from X-Forwarded-For, for a service behind a load balancer. */
  trustProxy: boolean;
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

const booleanVar = optionalText.transform((value, ctx) => {
  if (value === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be on or off (true/false, 1/0, yes/no)' });
  return z.NEVER;
});

/** `token:scope+scope` pairs. The scopes follow the last colon, so a token may contain colons. */
const apiTokensVar = optionalText.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const tokens: ApiToken[] = [];
  for (const [index, pair] of value.split(',').entries()) {
    const entry = pair.trim();
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    const token = colon < 0 ? '' : entry.slice(0, colon);
    const scopes = colon < 0 ? [] : entry.slice(colon + 1).split('+').map((s) => s.trim());
    // Entries are named by position: a token's text never goes into a message or a log.
    if (token === '') ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: is not <token>:<scope>[+<scope>]` });
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: scopes must be presence and/or history, joined by +` });
    }
    if (tokens.some((t) => t.token === token)) ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: the token is listed twice` });
    tokens.push({ token, scopes: new Set(scopes as ApiScope[]) });
  }
  if (tokens.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no token' });
  return tokens;
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
  API_TOKENS: apiTokensVar,
  MAX_SUBSCRIPTIONS_PER_CONNECTION: integerVar(100, 1, 100_000),
  MAX_CONNECTIONS_PER_ADDRESS: integerVar(200, 0, 1_000_000),
  GRAPHQL_INTROSPECTION: booleanVar,
  GRAPHIQL: booleanVar,
  TRUST_PROXY: booleanVar,
  NODE_ENV: optionalText,
  LIVE_PAGE: booleanVar,
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
    apiTokens: vars.API_TOKENS ?? null,
    limits: {
      subscriptionsPerConnection: vars.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      connectionsPerAddress: vars.MAX_CONNECTIONS_PER_ADDRESS,
    },
    introspection: vars.GRAPHQL_INTROSPECTION ?? !production,
    graphiql: vars.GRAPHIQL ?? !production,
    trustProxy: vars.TRUST_PROXY ?? false,
    production,
    // The page shows who is in which room: in production it is served only when asked for.
    livePage: vars.LIVE_PAGE ?? !production,
    logLevel: vars.LOG_LEVEL ?? 'info',
  };
}
