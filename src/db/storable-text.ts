/**
 * What PostgreSQL's text cannot hold although JSON and GraphQL strings can: NUL characters and
 * unpaired surrogates. Checked where text comes in, so that it is refused as the sender's mistake
 * instead of failing in the database.
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (!text.isWellFormed()) return 'contains an unpaired surrogate';
  return undefined;
}
