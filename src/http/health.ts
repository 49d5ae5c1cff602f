import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/client.js';
import { isSchemaMigrated } from '../db/migrate.js';

/** `/healthz`: the process runs. `/readyz`: the database answers and carries this build's schema. */
export function healthRoutes(database: DatabaseHandle) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (request, reply) => {
      try {
        await database.ping();
        if (!(await isSchemaMigrated(database))) {
          return reply.code(503).send({ status: 'unavailable', reason: 'database schema is not migrated' });
        }
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply.code(503).send({ status: 'unavailable', reason: 'database does not answer' });
      }
    });
  };
}
