import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What `/metrics` exposes, in Prometheus' text format. One registry per service instance (not
 * prom-client's global one), so that several instances in one process never share counters.
 */
export interface Metrics {
  registry: Registry;
  /** Callbacks answered, by event type and outcome (applied, duplicate, ignored, or why refused). */
  callbacks: Counter<'event' | 'outcome'>;
  /** From request received to answer, for callbacks that reached the database. */
  callbackSeconds: Histogram<'event'>;
  /** Events applied after a later event of their room had been: reorders the ordering rules absorbed. */
  lateEvents: Counter;
  /** user_update_seq numbers found missing when a later one arrived: callbacks lost or still on their way. */
  updateSeqMissing: Counter;
  /** Events committed per transaction (group commit). */
  batchSize: Histogram;
  webSocketConnections: Gauge;
  sseStreams: Gauge;
  subscriptions: Gauge<'transport'>;
}

export function createMetrics(collectors: { database?: (gauge: Gauge<'state'>) => Promise<void> } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    callbacks: new Counter({ name: 'zego_callbacks_total', help: 'ZEGO callbacks answered, by event and outcome', labelNames: ['event', 'outcome'], registers: [registry] }),
    callbackSeconds: new Histogram({
      name: 'zego_callback_duration_seconds',
      help: 'Time from receiving a callback to answering it, once it reached the database',
      labelNames: ['event'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lateEvents: new Counter({ name: 'presence_late_events_total', help: 'Events applied after a later event of their room (reorders absorbed)', registers: [registry] }),
    updateSeqMissing: new Counter({
      name: 'presence_update_seq_missing_total',
      help: 'user_update_seq numbers skipped when a later one arrived (gaps opened)',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'presence_commit_batch_events',
      help: 'Events committed per transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    webSocketConnections: new Gauge({ name: 'graphql_websocket_connections', help: 'Open GraphQL WebSocket connections', registers: [registry] }),
    sseStreams: new Gauge({ name: 'graphql_sse_streams', help: 'Open GraphQL Server-Sent Events streams', registers: [registry] }),
    subscriptions: new Gauge({ name: 'graphql_subscriptions', help: 'Active GraphQL subscriptions, by transport', labelNames: ['transport'], registers: [registry] }),
  };
  const database = collectors.database;
  if (database) {
    const gauge: Gauge<'state'> = new Gauge({
      name: 'database_connections',
      help: "This instance's PostgreSQL connections, by state (active, idle, idle in transaction)",
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        gauge.reset();
        await database(gauge).catch(() => {});
      },
    });
  }
  return metrics;
}
