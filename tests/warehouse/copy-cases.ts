import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileLandingStore } from '../../lib/landing/file-store';
import type { Warehouse } from '../../lib/warehouse/warehouse';

/**
 * Shared COPY round-trip cases for the PGlite and PostgreSQL adapters: text
 * that CSV and COPY treat specially, every catalog column type, and a value
 * longer than one PGlite COPY chunk.
 */

export const LONG_TEXT_LENGTH = 9 * 1024 * 1024;

export const TEXT_CASES: Record<string, string | null> = {
  tab: 'before\tafter',
  newline: 'line one\nline two',
  crlf: 'windows\r\nline',
  quotes: 'she said "hi" and \'bye\'',
  backslashes: 'C:\\temp\\new \\N \\t',
  end_marker: '\\.',
  end_marker_inside: 'first\n\\.\nlast',
  comma: 'a, b, c',
  empty: '',
  null_word: 'NULL',
  unicode: 'Zürich — 東京 🚀 e\u0301 \u2028 \u00a0',
  explicit_null: null,
  long: 'x'.repeat(LONG_TEXT_LENGTH),
};

const COLUMNS = [
  'case_name',
  'text_value',
  'big_value',
  'flag',
  'amount',
  'seen_at',
] as const;

export interface CopyRoundTrip {
  copied: number;
  rows: Record<string, unknown>[];
  expected: Record<string, unknown>[];
}

/** Copies the cases through `warehouse.copyFromLanding` and reads them back. */
export async function copyRoundTrip(
  warehouse: Warehouse,
  schema: string,
): Promise<CopyRoundTrip> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'copy-cases-'));
  try {
    const store = new FileLandingStore(dir);
    await warehouse.query(`create schema if not exists ${schema}`);
    await warehouse.query(`drop table if exists ${schema}.copy_cases`);
    await warehouse.query(
      `create table ${schema}.copy_cases (case_name text, text_value text, big_value bigint, flag boolean, amount numeric, seen_at timestamptz)`,
    );

    const rows = Object.entries(TEXT_CASES).map(([name, value], index) => {
      const row: Record<string, unknown> = {
        case_name: name,
        text_value: value,
        big_value: index === 0 ? 9007199254740991 : index,
        flag: index % 2 === 0,
        amount: index === 0 ? 12345.678901 : null,
        seen_at: '2026-03-01T12:00:00.000+02:00',
        ignored_key: 'not a column',
      };
      if (name === 'explicit_null') delete row.seen_at;
      return row;
    });
    const half = Math.ceil(rows.length / 2);
    const parts = [rows.slice(0, half), rows.slice(half)];
    const keys: string[] = [];
    for (const [index, part] of parts.entries()) {
      const key = `copy/run/copy_cases/part-0000${index}.ndjson.gz`;
      const lines = part.map((row) => JSON.stringify(row)).join('\n');
      await store.put(key, gzipSync(`${lines}\n\n`));
      keys.push(key);
    }

    const copied = await warehouse.copyFromLanding(
      { schema, name: 'copy_cases', columns: COLUMNS },
      { store, parts: keys, copyManifest: 'copy/run/copy-manifest.json' },
    );
    const stored = await warehouse.query(
      `select case_name, text_value, big_value, flag, amount::text as amount, seen_at from ${schema}.copy_cases`,
    );
    const expected = rows.map((row, index) => ({
      case_name: row.case_name,
      text_value: row.text_value,
      big_value: row.big_value,
      flag: row.flag,
      amount: index === 0 ? '12345.678901' : null,
      seen_at:
        row.case_name === 'explicit_null'
          ? null
          : new Date('2026-03-01T10:00:00.000Z'),
    }));
    return { copied, rows: stored, expected };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes one part holding `text` (already NDJSON) and copies it. */
export async function copyRawPart(
  warehouse: Warehouse,
  schema: string,
  text: string,
): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'copy-raw-'));
  try {
    const store = new FileLandingStore(dir);
    await warehouse.query(`create schema if not exists ${schema}`);
    await warehouse.query(`drop table if exists ${schema}.raw_cases`);
    await warehouse.query(
      `create table ${schema}.raw_cases (case_name text, text_value text)`,
    );
    const key = 'raw/run/raw_cases/part-00000.ndjson.gz';
    await store.put(key, gzipSync(text));
    return await warehouse.copyFromLanding(
      { schema, name: 'raw_cases', columns: ['case_name', 'text_value'] },
      { store, parts: [key], copyManifest: 'raw/run/copy-manifest.json' },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
