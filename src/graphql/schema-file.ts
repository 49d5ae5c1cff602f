import { fileURLToPath } from 'node:url';
import { printSchema, type GraphQLSchema } from 'graphql';

/** The schema as committed for clients to read and diff: `schema/schema.graphql`, written by `npm run schema:print`. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

export function schemaFileText(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
