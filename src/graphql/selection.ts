import type { GraphQLResolveInfo } from 'graphql';
import { parseResolveInfo, type FieldsByTypeName, type ResolveTree } from 'graphql-parse-resolve-info';

/**
 * Whether the operation asks, below the field being resolved, for the fields named by `path`
 * (field names, not aliases), through any fragment, alias or type condition, and not skipped by
 * `@skip`/`@include`. A list resolver uses it to read in one statement what the items' own fields
 * would otherwise load in a second one.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const tree = parseResolveInfo(info) as ResolveTree | null | undefined;
  return tree != null && selectsIn(tree.fieldsByTypeName, path);
}

function selectsIn(fieldsByTypeName: FieldsByTypeName, path: readonly string[]): boolean {
  const [name, ...rest] = path;
  return Object.values(fieldsByTypeName).some((fields) =>
    Object.values(fields).some((field) => field.name === name && (rest.length === 0 || selectsIn(field.fieldsByTypeName, rest))),
  );
}
