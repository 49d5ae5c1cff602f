import { inArray, isNull, notInArray, or, sql, type Column, type SQL } from 'drizzle-orm';

/** Which values of a ZEGO code column (role, logout reason) a filter accepts. */
export interface CodeSelection {
  codes: readonly number[];
  /** When set, every code outside this list is accepted too: the codes the API calls UNKNOWN. */
  otherThan: readonly number[] | null;
}

export function codeIn(column: Column, selection: CodeSelection): SQL {
  const parts: SQL[] = [];
  if (selection.codes.length > 0) parts.push(inArray(column, [...selection.codes]));
  if (selection.otherThan !== null) {
    parts.push(selection.otherThan.length > 0 ? or(isNull(column), notInArray(column, [...selection.otherThan]))! : sql`true`);
  }
  // An empty selection (`reasons: []`) accepts nothing, as `in ()` would.
  return parts.length === 0 ? sql`false` : or(...parts)!;
}

/** The same selection, for a row already in memory (a live subscription's filter). */
export function isCodeSelected(selection: CodeSelection, code: number | null): boolean {
  if (code !== null && selection.codes.includes(code)) return true;
  return selection.otherThan !== null && (code === null || !selection.otherThan.includes(code));
}

/**
 * The code itself when it is one of `known`, else null: grouping by this puts every unknown code
 * in one bucket. The codes are this service's own constants, written inline so that the grouping
 * expression carries no parameters.
 */
export function knownCodeOrNull(column: Column, known: readonly number[]): SQL<number | null> {
  if (!known.every(Number.isSafeInteger)) throw new Error(`known codes must be integers: ${known.join(', ')}`);
  return sql<number | null>`case when ${column} in (${sql.raw(known.join(', '))}) then ${column} end`;
}
