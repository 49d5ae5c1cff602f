import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GraphQLContext } from './context.js';
import { parseDateTime } from './date-time.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
  };
  // Every connection carries a total, counted only when a client asks for it.
  Connection: { totalCount: () => Promise<number> };
  // Non-null unless a field says otherwise: the contract marks the few fields that may be null.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // `node(id)` is defined in node.ts: it answers a malformed id with a coded error and only
    // loads what each type really is (an event id that is not a logout is no LogoutEvent).
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.subscriptionType({});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the whole list has, across all pages.',
    resolve: (connection) => connection.totalCount(),
  }),
);

builder.scalarType('DateTime', {
  description: 'An instant, as ISO 8601 in UTC with milliseconds: "2022-09-21T06:10:23.660Z". Input may use any UTC offset.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => parseDateTime(value),
});
