import { randomBytes } from 'node:crypto';

/**
 * Returns a run id that sorts by time: the UTC second of `date` in compact
 * ISO 8601 and four random hex digits, for example `20261204T013301Z-3f9a`.
 */
export function newRunId(date: Date = new Date()): string {
  const stamp = date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}
