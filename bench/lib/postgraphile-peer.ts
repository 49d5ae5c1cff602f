import { freePort, startServerProcess, stopChild } from './service.js';

/**
 * PostGraphile 5 with its default preset (amber), serving a database's tables as they are: the
 * peer that history throughput is compared with. It runs in its own process, like the service.
 */
export interface PostGraphilePeer {
  /** The GraphQL endpoint, `${origin}/graphql`. */
  graphqlUrl: string;
  pid: number;
  /** The tail of its error output: PostGraphile logs the cause of an error it masks in answers. */
  stderr(): string;
  stop(): Promise<void>;
}

// The package declares Node 22; on Node 20 its bin runs directly (from the project's root), and the one Node 22 API that
// grafast and @dataplan/pg call (Promise.withResolvers: without it every connection field fails
// with "Cannot read properties of undefined (reading 'items')") is supplied before it loads.
const cli = 'node_modules/postgraphile/dist/cli-run.js';
const withResolvers = `Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new this((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};`;
const node22Shim = `data:text/javascript,${encodeURIComponent(withResolvers)}`;

export async function startPostGraphile(databaseUrl: string): Promise<PostGraphilePeer> {
  const port = await freePort();
  const graphqlUrl = `http://127.0.0.1:${port}/graphql`;
  const { child, stderr } = await startServerProcess(
    'PostGraphile',
    ['--import', node22Shim, cli, '-c', databaseUrl, '-s', 'public', '-n', '127.0.0.1', '-p', String(port), '-P', 'postgraphile/presets/amber'],
    { NODE_ENV: 'production', GRAPHILE_ENV: 'production' },
    async () =>
      (await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) })).ok,
  );
  return { graphqlUrl, pid: child.pid!, stderr, stop: () => stopChild(child) };
}
