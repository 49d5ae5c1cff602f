import { Kind, visit, type DocumentNode, type GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { useDocumentRule } from './document-rule.js';
import { pageSize } from './pagination.js';

/**
 * A `first` written into the query outside 0..500 is answered with the error that names `first`,
 * before the cost limit would refuse the same query in terms a client cannot act on.
 * (A `first` passed as a variable is checked by the field itself.)
 */
export function usePageSizeLimit(): Plugin {
  return useDocumentRule(pageSizeErrors);
}

function pageSizeErrors(document: DocumentNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  visit(document, {
    Argument(node) {
      if (node.name.value !== 'first' || node.value.kind !== Kind.INT) return;
      try {
        pageSize(Number(node.value.value));
      } catch (error) {
        const refusal = error as GraphQLError;
        // The same refusal the field would give, pointing at the argument.
        errors.push(createGraphQLError(refusal.message, { nodes: node, extensions: refusal.extensions }));
      }
    },
  });
  return errors;
}
