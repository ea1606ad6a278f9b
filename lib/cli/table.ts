/** Formats rows as an aligned plain-text table, numbers right-aligned. */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): string {
  const names = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  if (names.length === 0) return '(no rows)';

  const cells = rows.map((row) => names.map((name) => formatCell(row[name])));
  // A loop, not Math.max(...cells): spreading 200,000 rows into one call
  // overflows the stack.
  const widths = names.map((name, index) =>
    cells.reduce(
      (width, line) => Math.max(width, line[index]!.length),
      name.length,
    ),
  );
  const numeric = names.map(
    (name, index) =>
      rows.every((row) => {
        const value = row[name];
        return value === null || value === undefined || isNumeric(value);
      }) && cells.some((line) => line[index] !== ''),
  );

  const pad = (text: string, index: number) =>
    numeric[index]
      ? text.padStart(widths[index]!)
      : text.padEnd(widths[index]!);
  const header = names.map((name, index) => pad(name, index)).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const body = cells.map((line) =>
    line
      .map((text, index) => pad(text, index))
      .join('  ')
      .trimEnd(),
  );
  return [header.trimEnd(), rule].concat(body).join('\n');
}

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value);
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Converts values a JSON array cannot hold as they are (bigint, Date). */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
  if (value instanceof Date) return value.toISOString();
  return value;
}
