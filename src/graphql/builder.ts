import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { parseDateTime } from './date-time.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  // The scopes of API_TOKENS: rooms and presence, and the logout history.
  AuthScopes: { presence: boolean; history: boolean };
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
  // Relay first, so that authorization sees decoded ids; scope-auth before anything else that wraps resolvers.
  plugins: [RelayPlugin, ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A subscription without the scope is refused when it starts, not at its first event.
    authorizeOnSubscribe: true,
    authScopes: ({ principal }) => ({
      presence: principal.scopes.has('presence'),
      history: principal.scopes.has('history'),
    }),
    unauthorizedError: (_parent, _context, info) =>
      createGraphQLError(`this API token may not read ${info.parentType.name}.${info.fieldName}: its scopes do not cover it`, {
        extensions: { code: 'FORBIDDEN' },
      }),
  },
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
