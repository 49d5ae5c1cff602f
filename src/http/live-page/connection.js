/**
 * The page's one link to the service: queries over HTTP, subscriptions over graphql-ws, both
 * carrying the API token. graphql-ws would retry a dropped subscription with its first
 * variables; the page resubscribes itself instead, so that each subscription resumes from its
 * latest cursor.
 */

const { createClient } = globalThis.graphqlWs;

const GRAPHQL_PATH = '/graphql';
const MAX_RETRY_DELAY_MS = 15_000;

/** A readable message from whatever a transport reports: GraphQL errors, a close event, an Error. */
export function messageOf(error) {
  if (Array.isArray(error)) return error.map((e) => e.message).join('; ');
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error) {
    return `connection closed (${error.code}${error.reason ? `: ${error.reason}` : ''})`;
  }
  return error instanceof Error ? error.message : String(error ?? 'unknown error');
}

/**
 * @param {{ onStatus: (state: 'connecting' | 'live' | 'retrying' | 'error', detail?: string) => void }} options
 */
export function createConnection({ onStatus }) {
  let token = '';
  let client = null;
  const subscriptions = new Set();
  const authorization = () => (token ? `Bearer ${token}` : null);

  function socket() {
    client ??= createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`,
      lazy: true,
      retryAttempts: 0,
      keepAlive: 15_000,
      connectionParams: () => (authorization() ? { authorization: authorization() } : {}),
      on: {
        connecting: () => onStatus('connecting'),
        connected: () => onStatus('live'),
      },
    });
    return client;
  }

  async function query(text, variables = {}) {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    if (authorization()) headers.authorization = authorization();
    const response = await fetch(GRAPHQL_PATH, { method: 'POST', headers, body: JSON.stringify({ query: text, variables }) });
    const body = await response.json().catch(() => ({}));
    if (body.errors?.length || !body.data) throw new Error(body.errors ? messageOf(body.errors) : `HTTP ${response.status}`);
    return body.data;
  }

  /**
   * Keeps a subscription running until stopped. `variables` is asked again at every (re)start,
   * so it can pass the latest cursor. `rejected` hears GraphQL errors (a bad cursor, a missing
   * token), after which the subscription is retried like a dropped one.
   */
  function subscribe(text, variables, { next, rejected, started }) {
    // Each start is a generation; a stale one's late callbacks (graphql-ws completes an
    // unsubscribed sink asynchronously) are ignored rather than taken for a drop.
    const subscription = { generation: 0, stopped: false, unsubscribe: null, timer: null, failures: 0 };
    const retry = (detail) => {
      subscription.unsubscribe = null;
      const delay = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** subscription.failures++);
      onStatus('retrying', `${detail ?? 'disconnected'}; retrying in ${Math.round(delay / 1000)} s`);
      subscription.timer = setTimeout(start, delay);
    };
    function start() {
      clearTimeout(subscription.timer);
      if (subscription.stopped) return;
      const generation = ++subscription.generation;
      const isCurrent = () => generation === subscription.generation && !subscription.stopped;
      subscription.unsubscribe = socket().subscribe(
        { query: text, variables: variables() },
        {
          next: (result) => {
            if (!isCurrent()) return;
            if (result.errors?.length) {
              onStatus('error', messageOf(result.errors));
              rejected?.(result.errors);
              return;
            }
            subscription.failures = 0;
            next(result.data);
          },
          error: (error) => {
            if (!isCurrent()) return;
            if (Array.isArray(error)) rejected?.(error);
            retry(messageOf(error));
          },
          // The service never ends a live subscription by itself: an end is a drop.
          complete: () => {
            if (isCurrent()) retry();
          },
        },
      );
      started?.();
    }
    const end = () => {
      subscription.generation++;
      clearTimeout(subscription.timer);
      subscription.unsubscribe?.();
      subscription.unsubscribe = null;
    };
    subscription.restart = () => {
      end();
      start();
    };
    subscriptions.add(subscription);
    start();
    return {
      restart: () => subscription.restart(),
      stop() {
        subscription.stopped = true;
        end();
        subscriptions.delete(subscription);
      },
    };
  }

  return {
    query,
    subscribe,
    /** A new token needs a new socket: its connection_init carries the token. */
    setToken(next) {
      token = next;
      const old = client;
      client = null;
      for (const subscription of subscriptions) subscription.restart();
      old?.dispose();
    },
  };
}
