import type { Queryable } from './client.js';
import { deployment } from './schema.js';

/** The id of this deployment, created by whichever instance asks first. */
export async function deploymentId(db: Queryable): Promise<string> {
  await db.insert(deployment).values({}).onConflictDoNothing();
  const [row] = await db.select({ id: deployment.id }).from(deployment);
  return row!.id;
}
