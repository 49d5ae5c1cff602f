import { Kind, visit, type DocumentNode, type GraphQLError, type ValueNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { unstorableText } from '../db/storable-text.js';
import { useDocumentRule } from './document-rule.js';

/**
 * A string PostgreSQL cannot store (a NUL character, an unpaired surrogate), written into the
 * query or passed as a variable, is refused before anything runs, naming the argument or the
 * variable. Such an id never matches anything stored, but sent to PostgreSQL it failed the whole
 * statement, and with it every other key of the same batch.
 */
export function useStorableText(): Plugin {
  // Variables arrive with each request, for queries and subscriptions alike.
  const refuseVariables = ({ args, setResultAndStopExecution }: RefusableRun) => {
    const error = variableError(args.variableValues);
    if (error) setResultAndStopExecution({ errors: [error] });
  };
  return { ...useDocumentRule(literalErrors), onExecute: refuseVariables, onSubscribe: refuseVariables };
}

interface RefusableRun {
  args: { variableValues?: Record<string, unknown> | null };
  setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void;
}

function literalErrors(document: DocumentNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const strings = (value: ValueNode): string[] =>
    value.kind === Kind.STRING ? [value.value]
    : value.kind === Kind.LIST ? value.values.flatMap(strings)
    : value.kind === Kind.OBJECT ? value.fields.flatMap((field) => strings(field.value))
    : [];
  visit(document, {
    Argument(node) {
      for (const text of strings(node.value)) {
        const problem = unstorableText(text);
        if (problem) {
          errors.push(createGraphQLError(`${node.name.value} ${problem}`, { nodes: node, extensions: { code: 'BAD_USER_INPUT', argumentName: node.name.value } }));
          return;
        }
      }
    },
  });
  return errors;
}

function variableError(variables: Record<string, unknown> | null | undefined): GraphQLError | undefined {
  const problemIn = (value: unknown): string | undefined => {
    if (typeof value === 'string') return unstorableText(value);
    if (Array.isArray(value)) return value.map(problemIn).find((p) => p !== undefined);
    if (value !== null && typeof value === 'object') return Object.values(value).map(problemIn).find((p) => p !== undefined);
    return undefined;
  };
  for (const [name, value] of Object.entries(variables ?? {})) {
    const problem = problemIn(value);
    if (problem) return createGraphQLError(`variable $${name} ${problem}`, { extensions: { code: 'BAD_USER_INPUT', variableName: name } });
  }
  return undefined;
}
