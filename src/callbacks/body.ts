import { isLosslessNumber, parse as parseLosslessJson, stringify as stringifyLosslessJson } from 'lossless-json';
import { unstorableText } from '../db/storable-text.js';

/**
 * Turning a callback body into fields. JSON is parsed losslessly: ZEGO's 64-bit ids may arrive as
 * bare numbers above 2^53, which `JSON.parse` would silently round. Form bodies are plain
 * `application/x-www-form-urlencoded`; a JSON body is never percent-decoded, since `%` and `+`
 * can be real characters in ids and nicknames.
 */

export interface CallbackBody {
  fields: Record<string, unknown>;
  /** The payload as JSON text, numbers exact, ready to be stored as jsonb. */
  payloadJson: string;
}

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

const MAX_DEPTH = 32;
// PostgreSQL's numeric (inside jsonb) takes exponents up to about ±16383; stay well inside.
const MAX_EXPONENT = 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeText(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new BodyError('body is not valid UTF-8');
  }
}

export function parseJsonBody(text: string): CallbackBody {
  if (text.trim() === '') throw new BodyError('body is empty');
  let value: unknown;
  try {
    value = parseLosslessJson(text);
  } catch (error) {
    if (error instanceof RangeError) throw new BodyError(`body nests deeper than ${MAX_DEPTH} levels`);
    throw new BodyError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BodyError('body must be a JSON object');
  }
  assertStorable(value, 0, '');
  return { fields: value as Record<string, unknown>, payloadJson: stringifyLosslessJson(value) ?? '{}' };
}

export function parseFormBody(text: string): CallbackBody {
  const params = new URLSearchParams(text);
  const fields: Record<string, string> = {};
  for (const [key, value] of params) {
    if (Object.hasOwn(fields, key)) throw new BodyError(`field ${describeKey(key)} is given more than once`);
    fields[key] = value;
  }
  if (Object.keys(fields).length === 0) throw new BodyError('body is empty');
  assertStorable(fields, 0, '');
  return { fields, payloadJson: JSON.stringify(fields) };
}

/** The exact decimal text of a field that may be a string or a bare JSON number. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value)) return value.value;
  return undefined;
}

/**
 * PostgreSQL rejects what JSON allows at the edges: NUL characters and lone surrogates in text,
 * and absurd exponents in numbers. Such a body is the sender's error (400), not a storage failure.
 */
function assertStorable(value: unknown, depth: number, path: string): void {
  if (depth > MAX_DEPTH) throw new BodyError(`body nests deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    assertText(value, path);
  } else if (isLosslessNumber(value)) {
    const exponent = /e([+-]?\d+)$/i.exec(value.value)?.[1];
    if (exponent !== undefined && Math.abs(Number(exponent)) > MAX_EXPONENT) {
      throw new BodyError(`field ${describePath(path)} is a number out of range`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => assertStorable(item, depth + 1, `${path}[${index}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      assertText(key, path);
      assertStorable(item, depth + 1, path === '' ? key : `${path}.${key}`);
    }
  }
}

function assertText(text: string, path: string): void {
  const problem = unstorableText(text);
  if (problem) throw new BodyError(`field ${describePath(path)} ${problem}`);
}

function describePath(path: string): string {
  return path === '' ? '(a key)' : describeKey(path);
}

function describeKey(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}
