import { parseArgs } from 'node:util';
import { z } from 'zod';

/** The simulator's command line, parsed and checked in one place; every problem is reported at once. */

export const USAGE = `Plays realistic ZEGO room traffic against the service and checks that it converges.

usage: npm run simulate -- [options]

  --url URL            callback URL (default: http://HOST:PORT/callbacks/zego of the service's configuration)
  --graphql URL        GraphQL URL for the final comparison (default: /graphql beside --url)
  --rooms N            rooms to play (default 20)
  --users N            users to play (default 500)
  --rate N             callbacks per second (default 50)
  --duration S         play for S seconds (default 60), or
  --events N           play N callbacks (and the late logouts still owed at the end)
  --seed N             seed for the traffic and its disorder, 0 to 4294967295 (default: random, printed)
  --duplicate P        probability that a callback is delivered twice (default 0)
  --reorder P          probability that a callback is overtaken by up to 20 later ones (default 0)
  --retry-scale F      multiply ZEGO's retry delays (2, 4, 8, 16, 32 s) by F (default 1)
  --timeout S          seconds to wait for an answer before it counts as none (default 5)
  --app-id ID          ZEGO appid to send (default: the only or first app of ZEGO_APPS, else 1)
  --prefix TEXT        start of room and user ids (default sim)
  --token TOKEN        API token for the GraphQL comparison, sent as "Authorization: Bearer TOKEN"
  --report text|json   the final report's format on stdout (default text)
  --help

The callback secret is the service's own configuration: ZEGO_CALLBACK_SECRET, ZEGO_APPS, or the
development secret when neither is set. Progress goes to stderr. Exits 0 when the service's rooms
match the true membership and no callback was lost, 1 otherwise, 2 on bad options.`;

export interface SimulatorOptions {
  callbackUrl: string;
  graphqlUrl: string;
  rooms: number;
  users: number;
  ratePerS: number;
  callbacks: number;
  seed: number;
  duplicate: number;
  reorder: number;
  retryScale: number;
  timeoutMs: number;
  appId: string | undefined;
  prefix: string;
  token: string | undefined;
  report: 'text' | 'json';
}

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

const number = (check: (n: z.ZodNumber) => z.ZodNumber) => z.string().transform(Number).pipe(check(z.number()));
const integer = (min: number, max: number) => number((n) => n.int().min(min).max(max));
const probability = number((n) => n.min(0).max(1)).optional();

const argsSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).optional(),
    graphql: z.url({ protocol: /^https?$/ }).optional(),
    rooms: integer(1, 100_000).default(20),
    users: integer(1, 1_000_000).default(500),
    rate: number((n) => n.gt(0).max(100_000)).default(50),
    duration: number((n) => n.gt(0)).optional(),
    events: integer(1, 100_000_000).optional(),
    seed: integer(0, 2 ** 32 - 1).optional(),
    duplicate: probability,
    reorder: probability,
    'retry-scale': number((n) => n.min(0)).default(1),
    timeout: number((n) => n.gt(0)).default(5),
    'app-id': z.string().regex(/^\d+$/, 'must be a numeric ZEGO appid').refine((id) => BigInt(id) < 2n ** 32n, 'must fit in 32 bits').optional(),
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be 1 to 40 letters, digits, _ . or -').default('sim'),
    token: z.string().min(1).optional(),
    report: z.enum(['text', 'json']).default('text'),
  })
  .refine((args) => args.duration === undefined || args.events === undefined, { message: 'give --duration or --events, not both', path: ['events'] });

/** The options, or null when --help was asked for. `defaultCallbackUrl` comes from the service's configuration. */
export function parseSimulatorArgs(argv: string[], defaultCallbackUrl: string, randomSeed: () => number): SimulatorOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        graphql: { type: 'string' },
        rooms: { type: 'string' },
        users: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        events: { type: 'string' },
        seed: { type: 'string' },
        duplicate: { type: 'string' },
        reorder: { type: 'string' },
        'retry-scale': { type: 'string' },
        timeout: { type: 'string' },
        'app-id': { type: 'string' },
        prefix: { type: 'string' },
        token: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError([(error as Error).message]);
  }
  if (values.help) return null;
  const { help: _, ...rest } = values;
  const parsed = argsSchema.safeParse(rest);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`));
  const args = parsed.data;
  const callbackUrl = args.url ?? defaultCallbackUrl;
  return {
    callbackUrl,
    graphqlUrl: args.graphql ?? new URL('/graphql', callbackUrl).toString(),
    rooms: args.rooms,
    users: args.users,
    ratePerS: args.rate,
    callbacks: args.events ?? Math.max(1, Math.round((args.duration ?? 60) * args.rate)),
    seed: args.seed ?? randomSeed(),
    duplicate: args.duplicate ?? 0,
    reorder: args.reorder ?? 0,
    retryScale: args['retry-scale'],
    timeoutMs: args.timeout * 1000,
    appId: args['app-id'],
    prefix: args.prefix,
    token: args.token,
    report: args.report,
  };
}
