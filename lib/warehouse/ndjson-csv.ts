import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { WarehouseError } from '../errors';

/**
 * Converts landed gzip NDJSON parts into the CSV that PostgreSQL's
 * `COPY … FROM STDIN (format csv)` reads, one row at a time so that a part
 * never sits in memory whole.
 *
 * Encoding: a missing or null value is an unquoted empty field, which COPY
 * reads as NULL; every other value is quoted, so an empty string stays an
 * empty string, and quotes inside are doubled. Tabs, newlines, backslashes
 * and any unicode pass through unchanged inside the quotes, because CSV
 * format gives backslash no special meaning.
 */

/** Returns the COPY statement that reads what `csvLinesFromPart` yields. */
export function copyFromStdinSql(
  qualifiedTable: string,
  columns: readonly string[],
): string {
  return `copy ${qualifiedTable} (${columns.join(', ')}) from stdin with (format csv)`;
}

function csvField(value: unknown, column: string, where: () => string): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') {
    text = value;
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    text = String(value);
  } else {
    throw new WarehouseError(
      `Invalid landed row at ${where()}: column ${column} contains ${Array.isArray(value) ? 'a list' : 'an object'}, but landed rows must be flat. Re-extract the run with a normalizer that writes child rows instead.`,
    );
  }
  if (text.includes('\u0000')) {
    throw new WarehouseError(
      `Invalid landed row at ${where()}: column ${column} contains a NUL character, which PostgreSQL text cannot store. Re-extract the run with a normalizer that removes NUL characters.`,
    );
  }
  return `"${text.replace(/"/g, '""')}"`;
}

/** Formats one landed row as a CSV line (with its newline) for `columns`. */
export function csvLine(
  row: Record<string, unknown>,
  columns: readonly string[],
  where: () => string = () => 'a landed row',
): string {
  return (
    columns.map((column) => csvField(row[column], column, where)).join(',') +
    '\n'
  );
}

/**
 * Reads one gzip NDJSON part and yields a CSV line per row. Blank lines are
 * skipped. Raises WarehouseError naming `partName` and the line on invalid
 * JSON or a value that cannot be stored.
 */
export async function* csvLinesFromPart(
  body: Readable,
  columns: readonly string[],
  partName: string,
): AsyncGenerator<string> {
  const gunzip = createGunzip();
  body.on('error', (error) => gunzip.destroy(error));
  const lines = createInterface({
    input: body.pipe(gunzip),
    crlfDelay: Infinity,
  });

  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      const where = (): string => `${partName} line ${lineNumber}`;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new WarehouseError(
          `Invalid JSON at ${where()}: ${(error as Error).message}. The part is damaged: extract the run again.`,
          { cause: error },
        );
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new WarehouseError(
          `Invalid landed row at ${where()}: expected a JSON object, found ${Array.isArray(row) ? 'a list' : JSON.stringify(row)}.`,
        );
      }
      yield csvLine(row as Record<string, unknown>, columns, where);
    }
  } catch (error) {
    if (error instanceof WarehouseError) throw error;
    throw new WarehouseError(
      `Reading landed part ${partName} failed at line ${lineNumber}: ${(error as Error).message}.`,
      { cause: error },
    );
  } finally {
    lines.close();
    body.destroy();
  }
}
