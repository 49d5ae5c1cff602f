import { builder } from './builder.js';
import './rooms.js';
import './logout-events.js';
import './logout-stats.js';
import './node.js';
import './room-presence.js';

/**
 * The GraphQL schema: each domain file registers its types and fields on import. Not sorted:
 * enum values keep their order, which is the order statistics buckets come in.
 */
export const schema = builder.toSchema({ sortSchema: false });
