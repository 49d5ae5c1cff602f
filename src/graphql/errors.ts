import { createGraphQLError } from 'graphql-yoga';

/** An argument the client must change; the error names it, so a client can point at it. */
export function badUserInput(argumentName: string, message: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentName } });
}
