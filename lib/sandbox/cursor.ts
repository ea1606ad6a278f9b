/**
 * Opaque cursors of the sandbox's cursor-paged lists. A cursor is
 * `<base64url JSON>.<signature>`. The signature is keyed by the world, so a
 * cursor survives a restart of a sandbox over the same world, but a tampered
 * or foreign one is rejected.
 */
import { hashString, hashWords } from './random';

/** A position inside one pass over a list. */
export interface PageCursor {
  readonly kind: 'page';
  /** Endpoint path, for example `/v1/overlaps/accounts`. */
  readonly endpoint: string;
  /** Hash of the query's filters: a cursor is valid only for the same ones. */
  readonly filters: number;
  /** The clock of the pass, in seconds: the whole pass shows this instant. */
  readonly clock: number;
  /** For a pass of changes only: the bookmark's instant; null otherwise. */
  readonly since: number | null;
  /** Start of the next page, in the pass's own order. */
  readonly position: number;
}

/** The end of a full pass, to be called later for the changes since. */
export interface BookmarkCursor {
  readonly kind: 'bookmark';
  readonly endpoint: string;
  readonly filters: number;
  /** The clock of the pass that the bookmark ends, in seconds. */
  readonly since: number;
}

export type Cursor = PageCursor | BookmarkCursor;

/** A rejected cursor. The server responds 400 with `code` as the error. */
export class CursorError extends Error {
  constructor(
    readonly code: 'invalid_cursor' | 'cursor_expired',
    message: string,
  ) {
    super(message);
    this.name = 'CursorError';
  }
}

function sign(secret: number, body: string): string {
  return hashWords(secret, hashString(body)).toString(16).padStart(8, '0');
}

export function encodeCursor(secret: number, cursor: Cursor): string {
  const fields =
    cursor.kind === 'page'
      ? [
          'p',
          cursor.endpoint,
          cursor.filters,
          cursor.clock,
          cursor.since,
          cursor.position,
        ]
      : ['b', cursor.endpoint, cursor.filters, cursor.since];
  const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Decodes a cursor. Raises `CursorError` when it is malformed, tampered
 * with, or issued by a sandbox over another world.
 */
export function decodeCursor(secret: number, text: string): Cursor {
  const invalid = new CursorError(
    'invalid_cursor',
    `Invalid cursor "${text.slice(0, 80)}": it was not issued by this API for this organization. Start a new pass without a cursor.`,
  );
  const [body, signature, extra] = text.split('.');
  if (
    !body ||
    !signature ||
    extra !== undefined ||
    sign(secret, body) !== signature
  ) {
    throw invalid;
  }

  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch (error) {
    throw new CursorError(
      'invalid_cursor',
      `${invalid.message} (${String(error)})`,
    );
  }
  if (!Array.isArray(fields)) throw invalid;
  const [kind, endpoint, filters, a, b, c] = fields as unknown[];
  if (typeof endpoint !== 'string' || !isCount(filters)) throw invalid;
  if (kind === 'p' && isCount(a) && (b === null || isCount(b)) && isCount(c)) {
    return { kind: 'page', endpoint, filters, clock: a, since: b, position: c };
  }
  if (kind === 'b' && isCount(a)) {
    return { kind: 'bookmark', endpoint, filters, since: a };
  }
  throw invalid;
}
