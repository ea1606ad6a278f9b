import { CrossbeamApiError } from '../errors';
import { MalformedResponseError } from './attempts';
import { MalformedPageError, parseListEnvelope } from './envelope';

/** One page of a list endpoint, as received and as interpreted. */
export interface CrossbeamPage {
  readonly items: unknown[];
  /** `pagination.next_href` as an absolute URL, or null. */
  readonly nextHref: string | null;
  /**
   * Whether another page follows. A list ends at `has_more: false`, or at a
   * missing `next_href` or an empty page when `has_more` is absent.
   */
  readonly hasMore: boolean;
  readonly rawBody: string;
  readonly url: string;
  readonly warnings: string[];
  /** The URL the next page comes from, or null at the end of the list. */
  readonly nextUrl: string | null;
  /** Retries this page needed. */
  readonly retries: number;
}

const SECRET_QUERY_PARAMS =
  /^(access_token|token|refresh_token|client_secret)$/i;

/** Returns the URL with its password and secret-looking query values replaced. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = 'redacted';
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_PARAMS.test(key)) parsed.searchParams.set(key, 'redacted');
  }
  return parsed.toString();
}

/** Resolves a `next_href` and keeps credentials on the API's own host. */
function resolveNextHref(
  href: string,
  pageUrl: string,
  apiOrigin: string,
): string {
  const next = new URL(href, pageUrl);
  if (next.username !== '' || next.password !== '') {
    throw new CrossbeamApiError(
      `The page at ${redactUrl(pageUrl)} has a next_href with a user name or password (${redactUrl(next.toString())}), which the client does not send. Check CROSSBEAM_API_URL.`,
    );
  }
  if (next.origin !== apiOrigin) {
    throw new CrossbeamApiError(
      `The page at ${redactUrl(pageUrl)} has a next_href on another host (${next.origin}), but the client sends credentials only to ${apiOrigin}. Check CROSSBEAM_API_URL.`,
    );
  }
  return next.toString();
}

/**
 * Parses a page body and decides where the list continues. Raises
 * `MalformedResponseError` (which the client retries) for a body it cannot
 * read or a list that would never end, and `CrossbeamApiError` for a
 * `next_href` on a host other than `apiOrigin`.
 */
export function interpretPage(
  url: string,
  body: string,
  retries: number,
  apiOrigin: string,
): CrossbeamPage {
  let envelope;
  try {
    envelope = parseListEnvelope(body);
  } catch (error) {
    if (error instanceof MalformedPageError) {
      throw new MalformedResponseError(`malformed page: ${error.problem}`);
    }
    throw error;
  }

  const nextHref =
    envelope.nextHref === null
      ? null
      : resolveNextHref(envelope.nextHref, url, apiOrigin);
  let nextUrl: string | null;
  if (envelope.hasMore === false) {
    nextUrl = null;
  } else if (nextHref !== null) {
    nextUrl = nextHref;
  } else if (envelope.hasMore === true && envelope.nextCursor !== null) {
    const withCursor = new URL(url);
    withCursor.searchParams.set('cursor', envelope.nextCursor);
    nextUrl = withCursor.toString();
  } else if (envelope.hasMore === true) {
    throw new MalformedResponseError(
      'malformed page: pagination.has_more is true but the page has no next_href or next_cursor',
    );
  } else {
    nextUrl = null;
  }

  // A page-paged list without has_more ends on its first empty page.
  if (envelope.hasMore === undefined && envelope.items.length === 0) {
    nextUrl = null;
  }
  if (nextUrl !== null && envelope.items.length === 0) {
    throw new MalformedResponseError(
      'the page is empty but pagination.has_more is true, so the list would never end',
    );
  }
  if (nextUrl !== null && nextUrl === url) {
    throw new MalformedResponseError(
      'the cursor did not advance: next_href is the URL of the page itself',
    );
  }

  return {
    items: envelope.items,
    nextHref,
    hasMore: nextUrl !== null,
    rawBody: body,
    url,
    warnings: envelope.warnings,
    nextUrl,
    retries,
  };
}
