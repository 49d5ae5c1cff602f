import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/** `GET /metrics`: Prometheus' text format. */
export function metricsRoutes(metrics: Metrics) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  };
}
