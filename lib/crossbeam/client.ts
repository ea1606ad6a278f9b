import {
  BookmarkExpiredError,
  ConfigurationError,
  CrossbeamApiError,
  CrossbeamAuthError,
} from '../errors';
import {
  RetryableAttemptError,
  runWithRetries,
  type ClientLogger,
  type RetryPolicy,
} from './attempts';
import {
  describeFetchFailure,
  TokenManager,
  type CrossbeamCredentials,
} from './auth';
import { requireHttpUrl, validateCredentials } from './client-options';
import { interpretPage, redactUrl, type CrossbeamPage } from './page';
import { parseRetryAfterMs } from './retry';
import { z } from 'zod';

export type { ClientLogger } from './attempts';
export type { CrossbeamCredentials } from './auth';
export { redactUrl, type CrossbeamPage } from './page';

/** Largest page size the cursor-paged lists accept. */
export const CURSOR_PAGE_LIMIT = 1000;

export interface CrossbeamClientOptions {
  /** API base, for example `https://api.crossbeam.com`. */
  readonly apiUrl: string;
  /** Token endpoint base. The client posts to `${authUrl}/oauth/token`. */
  readonly authUrl: string;
  /** Organization uuid sent as `Xbeam-Organization` on every data call. */
  readonly organization: string;
  readonly credentials: CrossbeamCredentials;
  /** Receives each new refresh token the server returns, to persist it. */
  readonly onRefreshToken?: (refreshToken: string) => void | Promise<void>;
  /** Per-request timeout in ms, covering headers and body. @default 30000 */
  readonly timeoutMs?: number;
  /** Attempts per request, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** Time budget per request for all attempts and waits, in ms. @default 300000 */
  readonly maxRetryTimeMs?: number;
  /** Backoff ceiling of the first retry in ms, doubled for each further retry. @default 1000 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling, in ms. @default 60000 */
  readonly maxDelayMs?: number;
  /** Never receives tokens or client secrets. */
  readonly logger?: ClientLogger;
  /** Waits between attempts, replaceable in tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Clock for token expiry and retry budgets. @default Date.now */
  readonly now?: () => number;
}

export type QueryValue =
  string | number | boolean | readonly (string | number)[];
export type QueryParams = Readonly<Record<string, QueryValue | undefined>>;

/**
 * Runs one page request, for example once a slot of a semaphore that caps
 * requests in flight is free.
 */
export type RequestSchedule = <T>(request: () => Promise<T>) => Promise<T>;

export interface PaginateOptions {
  /** `cursor` lists get `limit=1000` unless the query sets a limit. */
  readonly pagination?: 'page' | 'cursor' | 'none';
  /** Wraps every page request of the list, retries included. */
  readonly schedule?: RequestSchedule;
}

export interface FetchPageOptions {
  /**
   * The URL is a saved bookmark: a 400 or 410 raises `BookmarkExpiredError`
   * instead of `CrossbeamApiError`.
   */
  readonly bookmark?: boolean;
}

/** An organization the token may act for, as `GET /v1/users/me` lists it. */
export interface CrossbeamOrganization {
  readonly uuid: string;
  readonly name: string | null;
}

const UserMeSchema = z.looseObject({ organizations: z.array(z.unknown()) });

/** One listed organization; an entry without a usable uuid is skipped. */
const OrganizationSchema = z.looseObject({
  uuid: z.union([z.string().min(1), z.number()]).transform(String),
  name: z.string().nullish().catch(null),
});

export interface CrossbeamClient {
  readonly apiUrl: string;
  readonly organization: string;
  /** Builds an absolute URL from an API path and query parameters. */
  buildUrl(path: string, query?: QueryParams): string;
  /** Fetches one page, retrying transient failures. */
  fetchPage(url: string, options?: FetchPageOptions): Promise<CrossbeamPage>;
  /** Yields every page of a list, following `next_href`. */
  paginate(
    path: string,
    query?: QueryParams,
    options?: PaginateOptions,
  ): AsyncGenerator<CrossbeamPage, void, undefined>;
  /**
   * Yields every page from `url` on: a saved `next_href`, a bookmark or a
   * checkpoint. `bookmark` applies to the first request only, `schedule`
   * to every request.
   */
  paginateFrom(
    url: string,
    options?: FetchPageOptions & { readonly schedule?: RequestSchedule },
  ): AsyncGenerator<CrossbeamPage, void, undefined>;
  /**
   * Fetches the organizations the token may act for (`GET /v1/users/me`).
   * `retry` narrows the client's retry settings for this one request.
   */
  fetchOrganizations(retry?: {
    readonly maxAttempts?: number;
    readonly maxRetryTimeMs?: number;
  }): Promise<CrossbeamOrganization[]>;
}

/** Returns what to check after a 4xx response with `status`. */
function statusHint(status: number, path: string): string {
  switch (status) {
    case 400:
      return 'Check that CROSSBEAM_ORGANIZATION is the uuid of an organization the token may act for (GET /v1/users/me lists them) and that the query parameters are valid.';
    case 403:
      return 'Check that the token has the scope this endpoint needs (read:partnerships, read:populations or read:reports) and that CROSSBEAM_ORGANIZATION is the right organization uuid.';
    case 404:
      return path.startsWith('/v1/users/organization/')
        ? 'Check CROSSBEAM_API_URL and that CROSSBEAM_ORGANIZATION is your organization uuid.'
        : 'Check CROSSBEAM_API_URL and the endpoint path.';
    default:
      return 'Check the request URL, the organization uuid and the credentials.';
  }
}

/**
 * Creates a client for the Crossbeam REST API v1: OAuth token refresh,
 * retries with backoff on 429, 5xx, timeouts, dropped connections and
 * malformed pages, and pagination that follows `next_href`.
 *
 * @example
 * const client = createCrossbeamClient({
 *   apiUrl: 'https://api.crossbeam.com',
 *   authUrl: 'https://auth.crossbeam.com',
 *   organization: '7d0f…',
 *   credentials: { accessToken },
 * });
 * for await (const page of client.paginate('/v1/partners')) { … }
 */
/** Largest page body the client reads, in bytes: pages of 1,000 items are a few MB. */
export const MAX_PAGE_BYTES = 256 * 1024 * 1024;

/** A page body larger than `MAX_PAGE_BYTES`; retrying would not help. */
class PageTooLargeError extends CrossbeamApiError {}

/** Reads a response body as text, failing once it passes `MAX_PAGE_BYTES`. */
async function readBody(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const tooLarge = () =>
    new PageTooLargeError(
      `The Crossbeam response for GET ${new URL(url).pathname} is larger than ${MAX_PAGE_BYTES} bytes, so it was not read. Pages of the documented size are far smaller; check CROSSBEAM_API_URL.`,
      response.status,
    );
  if (declared > MAX_PAGE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let bytes = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_PAGE_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Wraps a logger so that messages and string fields pass `redact` first. */
function redactingLogger(
  logger: ClientLogger,
  redact: (text: string) => string,
): ClientLogger {
  const clean = (fields?: Record<string, unknown>) =>
    fields &&
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [
        key,
        typeof value === 'string' ? redact(value) : value,
      ]),
    );
  return {
    info: (message, fields) => logger.info(redact(message), clean(fields)),
    warn: (message, fields) => logger.warn(redact(message), clean(fields)),
    error: (message, fields) => logger.error(redact(message), clean(fields)),
  };
}

export function createCrossbeamClient(
  options: CrossbeamClientOptions,
): CrossbeamClient {
  const api = requireHttpUrl(
    options.apiUrl,
    'Crossbeam API URL',
    'CROSSBEAM_API_URL',
  );
  requireHttpUrl(options.authUrl, 'Crossbeam auth URL', 'CROSSBEAM_AUTH_URL');
  if (!options.organization.trim()) {
    throw new ConfigurationError(
      'The Crossbeam organization is empty. Set CROSSBEAM_ORGANIZATION to your organization uuid (GET /v1/users/me lists them).',
    );
  }
  validateCredentials(options.credentials);

  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? 6,
    maxRetryTimeMs: options.maxRetryTimeMs ?? 5 * 60_000,
    baseDelayMs: options.baseDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 60_000,
    sleep:
      options.sleep ??
      ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    logger: redactingLogger(
      options.logger ?? { info() {}, warn() {}, error() {} },
      (text) => redactText(text),
    ),
  };
  for (const [name, value] of [
    ['timeoutMs', timeoutMs],
    ['maxAttempts', policy.maxAttempts],
    ['maxRetryTimeMs', policy.maxRetryTimeMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 1) {
      throw new ConfigurationError(
        `Invalid Crossbeam client option ${name}=${value}: expected a positive number.`,
      );
    }
  }

  const tokens = new TokenManager({
    authUrl: options.authUrl,
    credentials: options.credentials,
    onRefreshToken: options.onRefreshToken,
    timeoutMs,
    policy,
  });
  const apiBase = api.toString().replace(/\/+$/, '');
  const organization = options.organization.trim();

  // Every token and secret the client has held, so that one echoed back by
  // a server (in a page, an error body or a header) never reaches a log,
  // an error message or a landed file.
  const seenSecrets = new Set<string>();

  function redactText(text: string): string {
    // Shorter values are no real credentials, and replacing them would
    // garble ordinary words.
    for (const secret of tokens.secrets()) {
      if (secret.length >= 8) seenSecrets.add(secret);
    }
    let result = text;
    for (const secret of seenSecrets) {
      if (result.includes(secret))
        result = result.split(secret).join('[redacted]');
    }
    return result;
  }

  function redactError(error: unknown): unknown {
    if (error instanceof Error) {
      error.message = redactText(error.message);
      if (error.stack) error.stack = redactText(error.stack);
    }
    return error;
  }

  function buildUrl(path: string, query: QueryParams = {}): string {
    const url = new URL(
      `${apiBase}${path.startsWith('/') ? path : `/${path}`}`,
    );
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        for (const element of value)
          url.searchParams.append(key, String(element));
      } else {
        url.searchParams.set(key, String(value));
      }
    }
    return url.toString();
  }

  async function send(
    url: string,
    token: string,
  ): Promise<{ response: Response; body: string }> {
    try {
      const response = await fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          'xbeam-organization': organization,
          accept: 'application/json',
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = redactText(await readBody(response, url));
      return { response, body };
    } catch (error) {
      if (error instanceof PageTooLargeError) throw error;
      throw new RetryableAttemptError(
        describeFetchFailure(error, timeoutMs),
        undefined,
        undefined,
        { cause: error },
      );
    }
  }

  function fetchPage(
    url: string,
    fetchOptions: FetchPageOptions = {},
  ): Promise<CrossbeamPage> {
    return request(url, fetchOptions, policy, (target, body, retries) =>
      interpretPage(target, body, retries, api.origin),
    );
  }

  async function fetchOrganizations(
    retry: { maxAttempts?: number; maxRetryTimeMs?: number } = {},
  ): Promise<CrossbeamOrganization[]> {
    const path = '/v1/users/me';
    const narrowed: RetryPolicy = {
      ...policy,
      maxAttempts: Math.min(
        policy.maxAttempts,
        retry.maxAttempts ?? policy.maxAttempts,
      ),
      maxRetryTimeMs: Math.min(
        policy.maxRetryTimeMs,
        retry.maxRetryTimeMs ?? policy.maxRetryTimeMs,
      ),
    };
    return request(buildUrl(path), {}, narrowed, (_target, body) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const result = UserMeSchema.safeParse(parsed);
      if (!result.success) {
        throw new CrossbeamApiError(
          `Crossbeam returned no organizations list for GET ${path}. Check CROSSBEAM_API_URL.`,
        );
      }
      return result.data.organizations.flatMap((item) => {
        const organization = OrganizationSchema.safeParse(item);
        return organization.success
          ? [
              {
                uuid: organization.data.uuid,
                name: organization.data.name ?? null,
              },
            ]
          : [];
      });
    });
  }

  /**
   * Sends GET `url` with retries, raises on an error status, and returns
   * what `interpret` makes of the body; `interpret` may raise
   * `RetryableAttemptError` to try again.
   */
  async function request<T>(
    url: string,
    fetchOptions: FetchPageOptions,
    retryPolicy: RetryPolicy,
    interpret: (target: string, body: string, retries: number) => T,
  ): Promise<T> {
    const target = new URL(url, apiBase).toString();
    if (new URL(target).origin !== api.origin) {
      throw new ConfigurationError(
        `The page URL ${redactUrl(target)} is not on the Crossbeam API host ${api.origin}. A bookmark or checkpoint from another CROSSBEAM_API_URL cannot be resumed here.`,
      );
    }
    const shownUrl = redactUrl(target);
    const path = new URL(target).pathname;
    let refreshed = false;
    let retries = 0;

    return runWithRetries(
      `Crossbeam request GET ${shownUrl}`,
      retryPolicy,
      async () => {
        let token = await tokens.getAccessToken();
        let { response, body } = await send(target, token);

        if (response.status === 401 && tokens.canRefresh && !refreshed) {
          refreshed = true;
          policy.logger.info(
            'Crossbeam rejected the access token with HTTP 401. Refreshing it and retrying once.',
            { path },
          );
          token = await tokens.renewAfterRejection(token);
          ({ response, body } = await send(target, token));
        }

        if (response.status === 401) {
          throw new CrossbeamAuthError(
            `Crossbeam rejected the credentials with HTTP 401 on GET ${path}${refreshed ? ', also after a token refresh' : ''}. Check CROSSBEAM_ACCESS_TOKEN or the refresh-flow credentials.`,
            401,
          );
        }
        if (response.status === 429 || response.status >= 500) {
          throw new RetryableAttemptError(
            `HTTP ${response.status}`,
            response.status,
            parseRetryAfterMs(
              response.headers.get('retry-after'),
              policy.now(),
            ),
          );
        }
        if (
          fetchOptions.bookmark &&
          (response.status === 400 || response.status === 410)
        ) {
          throw new BookmarkExpiredError(
            `Crossbeam no longer accepts the bookmark ${shownUrl} (HTTP ${response.status}). Run a full pass of this stream to get a new bookmark.`,
            response.status,
          );
        }
        if (response.status >= 300 && response.status < 400) {
          throw new CrossbeamApiError(
            `Crossbeam returned a redirect (HTTP ${response.status}) for GET ${path} to ${redactText(redactUrl(response.headers.get('location') ?? 'nowhere'))}. Check CROSSBEAM_API_URL.`,
            response.status,
          );
        }
        if (!response.ok) {
          const snippet = redactText(body.slice(0, 200))
            .replace(/\s+/g, ' ')
            .trim();
          throw new CrossbeamApiError(
            `Crossbeam returned HTTP ${response.status} for GET ${path}${snippet ? ` (body: ${snippet})` : ''}. ${statusHint(response.status, path)}`,
            response.status,
          );
        }

        return interpret(target, body, retries);
      },
      () => {
        retries++;
      },
    ).catch((error: unknown) => {
      throw redactError(error);
    });
  }

  async function* paginateFrom(
    startUrl: string,
    fetchOptions: FetchPageOptions & {
      readonly schedule?: RequestSchedule;
    } = {},
  ): AsyncGenerator<CrossbeamPage, void, undefined> {
    const { schedule, ...firstOptions } = fetchOptions;
    const visited = new Set<string>();
    let url: string | null = startUrl;
    let first = true;
    while (url !== null) {
      const target: string = url;
      const options = first ? firstOptions : {};
      const page = schedule
        ? await schedule(() => fetchPage(target, options))
        : await fetchPage(target, options);
      first = false;
      visited.add(page.url);
      for (const warning of page.warnings) {
        policy.logger.warn(`Crossbeam sent a warning: ${warning}`, {
          path: new URL(page.url).pathname,
        });
      }
      if (page.nextUrl !== null && visited.has(page.nextUrl)) {
        throw new CrossbeamApiError(
          `The Crossbeam list at ${redactUrl(page.url)} points back to a page it already returned (${redactUrl(page.nextUrl)}), so it would never end. Retry later, and report it to Crossbeam support if it persists.`,
        );
      }
      yield page;
      url = page.nextUrl;
    }
  }

  function paginate(
    path: string,
    query: QueryParams = {},
    paginateOptions: PaginateOptions = {},
  ): AsyncGenerator<CrossbeamPage, void, undefined> {
    const withLimit =
      paginateOptions.pagination === 'cursor' && query.limit === undefined
        ? { ...query, limit: CURSOR_PAGE_LIMIT }
        : query;
    return paginateFrom(buildUrl(path, withLimit), {
      schedule: paginateOptions.schedule,
    });
  }

  return {
    apiUrl: apiBase,
    organization,
    buildUrl,
    fetchPage,
    paginate,
    paginateFrom,
    fetchOrganizations,
  };
}
