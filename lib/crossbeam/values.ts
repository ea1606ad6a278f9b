import type { ColumnType, LandedTableSpec } from '../streams/catalog';

/** A landed row: lower-case column name to a JSON value. */
export type LandedRow = Record<string, string | number | boolean | null>;

/** A value that does not fit its column, so its item is rejected. */
export class InvalidValueError extends Error {
  constructor(
    readonly column: string,
    problem: string,
  ) {
    super(problem);
    this.name = 'InvalidValueError';
  }
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The form `toUtcTimestamp` returns, which most API timestamps already have. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/**
 * The forms the API sends: UTC with `Z` or `+00:00`, seconds, and optional
 * milliseconds, such as `2024-05-02T08:30:00.000+00:00`.
 */
const API_UTC =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?(?:Z|\+00:00)$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Reads the decimal digits of `value` from `start` to before `end`. */
function digitsAt(value: string, start: number, end: number): number {
  let result = 0;
  for (let index = start; index < end; index++) {
    result = result * 10 + value.charCodeAt(index) - 48;
  }
  return result;
}

/**
 * Converts a timestamp of the `API_UTC` form without `Date`, or returns
 * undefined for any other form and for a date or time out of range, which
 * the general parser then handles or rejects.
 */
function fastUtcTimestamp(value: string): string | undefined {
  if (!API_UTC.test(value)) return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 7);
  const day = digitsAt(value, 8, 10);
  // Years before 1000 take the general path, which reads two-digit years
  // as Date.UTC does, so both paths keep giving the same result.
  if (year < 1000 || month < 1 || month > 12 || day < 1) return undefined;
  const isLeapYear = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && isLeapYear ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > monthDays) return undefined;
  if (
    digitsAt(value, 11, 13) > 23 ||
    digitsAt(value, 14, 16) > 59 ||
    digitsAt(value, 17, 19) > 59
  ) {
    return undefined;
  }
  const milliseconds =
    value.charCodeAt(19) === 46 ? value.slice(19, 23) : '.000';
  return `${value.slice(0, 19)}${milliseconds}Z`;
}

/**
 * Parses an ISO 8601 timestamp and returns it in UTC with `Z`
 * (`2024-05-02T08:30:00.000Z`). A value without an offset is read as UTC,
 * and a date alone as midnight UTC. Digits past milliseconds are dropped.
 * Raises `InvalidValueError` for anything else, including impossible dates
 * such as February 30.
 */
export function toUtcTimestamp(value: string, column: string): string {
  const fast = fastUtcTimestamp(value);
  if (fast !== undefined) return fast;
  if (CANONICAL_UTC.test(value)) {
    // Date.parse rolls some impossible dates over (February 30 becomes
    // March 1), so the result must print back as the same instant.
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) {
      const iso = new Date(parsed).toISOString();
      if (iso.slice(0, 19) === value.slice(0, 19)) return iso;
    }
  }
  const match = ISO_TIMESTAMP.exec(value.trim());
  if (!match) {
    throw new InvalidValueError(
      column,
      `invalid timestamp in ${column}: expected ISO 8601 such as 2024-05-02T08:30:00Z`,
    );
  }
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const parts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
  };
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const local = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
    ms,
  );
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== parts.year ||
    check.getUTCMonth() !== parts.month - 1 ||
    check.getUTCDate() !== parts.day ||
    check.getUTCHours() !== parts.hour ||
    check.getUTCMinutes() !== parts.minute ||
    check.getUTCSeconds() !== parts.second
  ) {
    throw new InvalidValueError(
      column,
      `invalid timestamp in ${column}: the date or time does not exist`,
    );
  }

  let offsetMinutes = 0;
  if (offset && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || 0);
    if (hours > 23 || minutes > 59) {
      throw new InvalidValueError(
        column,
        `invalid timestamp in ${column}: the UTC offset is out of range`,
      );
    }
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  return new Date(local - offsetMinutes * 60_000).toISOString();
}

/**
 * Largest text value in bytes of UTF-8: Redshift's `varchar(65535)` counts
 * bytes, not characters. Longer values are cut to fit on every warehouse,
 * so that Redshift and PostgreSQL hold the same text.
 */
export const MAX_TEXT_BYTES = 65_535;

const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Removes NUL characters, which PostgreSQL text cannot hold, and replaces
 * each lone UTF-16 surrogate (a `\uD800` escape without its pair, which has
 * no UTF-8 form) with U+FFFD, the replacement character.
 */
function cleanText(value: string): string {
  const withoutNul = value.includes('\u0000')
    ? value.split('\u0000').join('')
    : value;
  if ((withoutNul as unknown as WellFormedCheck).isWellFormed()) {
    return withoutNul;
  }
  return withoutNul.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * `String.prototype.isWellFormed` (ES2024, in Node.js since 20.0), which is
 * true when a string has no lone surrogate. TypeScript's ES2023 library,
 * which this project targets, does not declare it.
 */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/**
 * Cuts `value` to at most `maxBytes` bytes of UTF-8, at a character
 * boundary, so a multi-byte character is never split. Returns the value
 * unchanged when it fits.
 */
export function fitUtf8Bytes(value: string, maxBytes: number): string {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8, so shorter strings
  // fit without measuring.
  if (value.length * 3 <= maxBytes) return value;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to a character's start.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** Converts any JSON value to text: strings as they are, others as JSON. */
export function toText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return cleanText(JSON.stringify(value));
}

function toInteger(value: unknown, column: string): number | string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value)) {
    // JSON.parse has already rounded such a number, so its digits are lost.
    throw new InvalidValueError(
      column,
      `invalid integer in ${column}: ${value} is beyond 2^53 as a JSON number, so its exact digits are lost; the API must send it as a string`,
    );
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const parsed = Number(value.trim());
    // Past 2^53 a JS number loses digits, so the exact string is kept.
    return Number.isSafeInteger(parsed) ? parsed : value.trim();
  }
  throw new InvalidValueError(
    column,
    `invalid integer in ${column}: expected a whole number, got ${typeof value}`,
  );
}

function toBoolean(value: unknown, column: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InvalidValueError(
    column,
    `invalid boolean in ${column}: expected true or false, got ${typeof value}`,
  );
}

function toNumeric(value: unknown, column: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (
    typeof value === 'string' &&
    /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())
  ) {
    return value.trim();
  }
  throw new InvalidValueError(
    column,
    `invalid number in ${column}: expected a decimal number, got ${typeof value}`,
  );
}

function toTimestamp(value: unknown, column: string): string {
  if (typeof value !== 'string') {
    throw new InvalidValueError(
      column,
      `invalid timestamp in ${column}: expected an ISO 8601 string, got ${typeof value}`,
    );
  }
  return toUtcTimestamp(value, column);
}

/** Converts an API value to its landed form for a column of `type`. */
export function convertValue(
  type: ColumnType,
  value: unknown,
  column: string,
): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (value === '' && type !== 'text') return null;
  switch (type) {
    case 'text':
      return toText(value);
    case 'bigint':
    case 'integer':
      return toInteger(value, column);
    case 'boolean':
      return toBoolean(value, column);
    case 'numeric':
      return toNumeric(value, column);
    case 'timestamptz':
      return toTimestamp(value, column);
    case 'date':
      return toTimestamp(value, column).slice(0, 10);
  }
}

/** Lineage values every landed row carries. */
export interface Lineage {
  readonly runId: string;
  /** ISO 8601 UTC. */
  readonly observedAt: string;
}

const columnNamesByTable = new WeakMap<LandedTableSpec, Set<string>>();

/** Returns the column names of `table`, computed once per table. */
function columnNames(table: LandedTableSpec): Set<string> {
  let names = columnNamesByTable.get(table);
  if (names === undefined) {
    names = new Set(table.columns.map((column) => column.name));
    columnNamesByTable.set(table, names);
  }
  return names;
}

/**
 * Builds one row of `table` with exactly its catalog columns: each value
 * converted to the column's type, columns the normalizer did not set as null,
 * the table's scope column set, and the lineage columns filled. Raises
 * `InvalidValueError` for a value that does not convert, and a plain `Error`
 * for a column the catalog does not list, which is a bug in a normalizer.
 */
export function buildRow(
  table: LandedTableSpec,
  values: Readonly<Record<string, unknown>>,
  lineage: Lineage,
): LandedRow {
  const names = columnNames(table);
  for (const name of Object.keys(values)) {
    if (!names.has(name)) {
      throw new Error(
        `Normalizer set column ${name}, which table ${table.name} does not have.`,
      );
    }
  }

  const row: LandedRow = {};
  for (const column of table.columns) {
    let value: unknown = values[column.name];
    if (table.scope && column.name === table.scope.column) {
      value = table.scope.value;
    } else if (column.name === '_run_id') {
      value = lineage.runId;
    } else if (column.name === '_observed_at') {
      // Lineage is ISO 8601 UTC already, so it needs no conversion.
      row[column.name] = lineage.observedAt;
      continue;
    }
    row[column.name] = convertValue(column.type, value, column.name);
  }
  return row;
}

/** One column of a row serializer and the source of its value. */
interface ColumnSerializer {
  readonly name: string;
  readonly type: ColumnType;
  /** `"name":` with the comma before it, except on the first column. */
  readonly prefix: string;
  readonly source: 'value' | 'run_id' | 'observed_at' | 'constant';
  /** The serialized scope value, for `source: 'constant'`. */
  readonly constant: string;
}

interface RowSerializer {
  readonly names: Set<string>;
  readonly columns: readonly ColumnSerializer[];
}

const serializersByTable = new WeakMap<LandedTableSpec, RowSerializer>();

function compileSerializer(table: LandedTableSpec): RowSerializer {
  const columns = table.columns.map((column, index): ColumnSerializer => {
    if (column.name !== column.name.toLowerCase()) {
      throw new Error(
        `Table ${table.name} has column ${column.name}, which is not lower case; landed column names must be lower case.`,
      );
    }
    const prefix = `${index === 0 ? '' : ','}${JSON.stringify(column.name)}:`;
    let source: ColumnSerializer['source'] = 'value';
    let constant = '';
    if (table.scope && column.name === table.scope.column) {
      source = 'constant';
      constant = JSON.stringify(
        convertValue(column.type, table.scope.value, column.name),
      );
    } else if (column.name === '_run_id') {
      source = 'run_id';
    } else if (column.name === '_observed_at') {
      source = 'observed_at';
    }
    return { name: column.name, type: column.type, prefix, source, constant };
  });
  return { names: columnNames(table), columns };
}

function serializerFor(table: LandedTableSpec): RowSerializer {
  let serializer = serializersByTable.get(table);
  if (serializer === undefined) {
    serializer = compileSerializer(table);
    serializersByTable.set(table, serializer);
  }
  return serializer;
}

let lastLineage: Lineage | undefined;
let lastRunId = '';
let lastObservedAt = '';

/** Serializes the lineage values once per run rather than once per row. */
function serializeLineage(lineage: Lineage): void {
  if (lineage === lastLineage) return;
  lastRunId = JSON.stringify(convertValue('text', lineage.runId, '_run_id'));
  lastObservedAt = JSON.stringify(lineage.observedAt);
  lastLineage = lineage;
}

/**
 * Serializes the row `buildRow` would build as one JSON object, with the
 * same text `JSON.stringify` gives for that row, without building the row.
 * Returns null when a text value is longer than `MAX_TEXT_BYTES` bytes of
 * UTF-8, so that the caller builds the row and cuts it with the note that
 * goes with a cut. Raises as `buildRow` does.
 */
export function serializeRow(
  table: LandedTableSpec,
  values: Readonly<Record<string, unknown>>,
  lineage: Lineage,
): string | null {
  const serializer = serializerFor(table);
  for (const name in values) {
    if (!serializer.names.has(name)) {
      throw new Error(
        `Normalizer set column ${name}, which table ${table.name} does not have.`,
      );
    }
  }
  serializeLineage(lineage);

  let json = '{';
  for (const column of serializer.columns) {
    json += column.prefix;
    switch (column.source) {
      case 'constant':
        json += column.constant;
        continue;
      case 'run_id':
        json += lastRunId;
        continue;
      case 'observed_at':
        json += lastObservedAt;
        continue;
      case 'value':
        break;
    }
    const value = convertValue(column.type, values[column.name], column.name);
    if (value === null) {
      json += 'null';
    } else if (typeof value === 'string') {
      if (value.length * 3 > MAX_TEXT_BYTES) {
        if (fitUtf8Bytes(value, MAX_TEXT_BYTES) !== value) return null;
      }
      json += JSON.stringify(value);
    } else {
      json += String(value);
    }
  }
  return `${json}}`;
}
