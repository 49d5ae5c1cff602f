import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaFileText } from '../src/graphql/schema-file.js';
import { schema } from '../src/graphql/schema.js';

describe('schema/schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema:print` after changing it)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(committed === schemaFileText(schema), 'schema/schema.graphql is stale: run `npm run schema:print`').toBe(true);
  });

  it('has every type and root field of the contract', () => {
    const text = schemaFileText(schema);
    for (const type of ['scalar DateTime', 'interface Node', 'enum UserRole', 'enum LogoutReason', 'type Room implements Node', 'type RoomMember',
      'type LogoutEvent implements Node', 'input LogoutEventFilter', 'enum LogoutStatsGroupBy', 'type LogoutStatsBucket',
      'type RoomConnection', 'type RoomMemberConnection', 'type LogoutEventConnection', 'type PageInfo']) {
      expect(text).toContain(type);
    }
    const fields = Object.keys(schema.getQueryType()!.getFields()).sort();
    expect(fields).toEqual(['logoutEvents', 'logoutStats', 'node', 'room', 'rooms']);
    expect((schema.getType('LogoutReason') as any).getValues().map((v: any) => v.name)).toEqual([
      'NORMAL', 'HEARTBEAT_TIMEOUT', 'CONNECTION_LOST', 'KICKED_OUT', 'TOKEN_EXPIRED', 'UNKNOWN',
    ]);
    expect((schema.getType('UserRole') as any).getValues().map((v: any) => v.name)).toEqual(['HOST', 'AUDIENCE', 'ADMIN', 'UNKNOWN']);
  });
});
