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
 * A code as an SQL literal. The codes written this way are this service's own constants, inline
 * so that the planner sees them; anything but an integer is refused rather than written.
 */
export function codeLiteral(code: number): SQL {
  if (!Number.isSafeInteger(code)) throw new Error(`a code must be an integer: ${code}`);
  return sql.raw(String(code));
}

/**
 * Conditions that together cover every value of an integer code column outside `known`: the ranges
 * below, between and above the known codes, and null. Each is one range of an index on the
 * column, where `not in (...)` would be a filter over all of it.
 */
export function rangesOutside(column: Column, known: readonly number[]): SQL[] {
  const codes = [...new Set(known)].sort((a, b) => a - b);
  if (codes.length === 0) return [sql`${column} is not null`, sql`${column} is null`];
  const ranges = [sql`${column} < ${codeLiteral(codes[0]!)}`];
  codes.forEach((code, i) => {
    const next = codes[i + 1];
    if (next === undefined) ranges.push(sql`${column} > ${codeLiteral(code)}`);
    else if (next > code + 1) ranges.push(sql`${column} > ${codeLiteral(code)} and ${column} < ${codeLiteral(next)}`);
  });
  ranges.push(sql`${column} is null`);
  return ranges;
}
