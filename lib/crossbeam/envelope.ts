/**
 * The list envelope every Crossbeam list endpoint returns:
 * `{"data": [...], "pagination": {...}, "warnings": [...]}`, where older
 * endpoints and Crossbeam's prose call the list `items` and `pagination` may
 * be absent on short lists.
 */

/** A page body that is not JSON or not a list envelope. */
export class MalformedPageError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'MalformedPageError';
  }
}

export interface ListEnvelope {
  readonly items: unknown[];
  readonly nextHref: string | null;
  readonly nextCursor: string | null;
  /** `has_more` as sent, or undefined when the page omits it. */
  readonly hasMore: boolean | undefined;
  readonly warnings: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    throw new MalformedPageError(
      `pagination.${field} is ${typeof value}, expected a string`,
    );
  }
  return value;
}

/** Parses a page body, raising `MalformedPageError` with the problem. */
export function parseListEnvelope(body: string): ListEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const preview = body.slice(0, 80).replace(/\s+/g, ' ');
    throw new MalformedPageError(
      `the body is not JSON (${(error as Error).message}; it starts with ${JSON.stringify(preview)})`,
    );
  }
  if (!isRecord(parsed)) {
    throw new MalformedPageError(
      `the body is ${Array.isArray(parsed) ? 'an array' : typeof parsed}, expected an object with a "data" or "items" list`,
    );
  }

  const list = parsed.data ?? parsed.items;
  if (!Array.isArray(list)) {
    throw new MalformedPageError('the body has no "data" or "items" list');
  }

  const pagination = parsed.pagination ?? null;
  if (pagination !== null && !isRecord(pagination)) {
    throw new MalformedPageError('"pagination" is not an object');
  }
  const hasMore = pagination?.has_more;
  if (
    hasMore !== undefined &&
    hasMore !== null &&
    typeof hasMore !== 'boolean'
  ) {
    throw new MalformedPageError(
      `pagination.has_more is ${JSON.stringify(hasMore)}, expected true or false`,
    );
  }

  return {
    items: list,
    nextHref: optionalString(pagination?.next_href, 'next_href'),
    nextCursor: optionalString(pagination?.next_cursor, 'next_cursor'),
    hasMore: typeof hasMore === 'boolean' ? hasMore : undefined,
    warnings: toWarnings(parsed.warnings),
  };
}

function toWarnings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((warning) =>
    typeof warning === 'string' ? warning : JSON.stringify(warning),
  );
}
