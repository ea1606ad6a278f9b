/**
 * The sandbox Crossbeam API v1 over HTTP (node:http), on loopback. One
 * server serves both the API and the OAuth token endpoint.
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../errors';
import { SandboxApiError } from './api-error';
import { TokenIssuer, type SandboxCredentials } from './auth';
import { CursorError } from './cursor';
import {
  CURSOR_ENDPOINTS,
  cursorPage,
  type CursorEndpoint,
} from './cursor-lists';
import { FaultPlan, type FaultRule } from './faults';
import { numberedPage, type PageEndpoint } from './page-lists';
import { hashString, hashWords } from './random';
import { toSeconds, type World } from './world';

export interface StartSandboxOptions {
  readonly world: World;
  /** Loopback address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** TCP port; default 0, a free port chosen by the system. */
  readonly port?: number;
  /** The API's clock; default the world's anchor. See `Sandbox.setClock`. */
  readonly clock?: Date;
  /** Fixed credentials; missing parts are generated at random. */
  readonly credentials?: Partial<SandboxCredentials>;
  /** Lifetime of access tokens in wall-clock seconds; default 86,400. */
  readonly accessTokenTtlSeconds?: number;
  /**
   * Time from a `/v1` request to its response, in milliseconds, default 0.
   * The body is built within it, unless building takes longer, from the
   * token, clock and list key as they are when the request arrives.
   */
  readonly latencyMs?: number;
  readonly faults?: readonly FaultRule[];
  /** Key of the list in every list body: `data` (default) or `items`. */
  readonly listKey?: 'data' | 'items';
  /** Bookmarks older than this on the sandbox clock expire; default 90 days. */
  readonly bookmarkRetentionDays?: number;
  /**
   * Receives every unexpected failure, which the client also gets as a 500.
   * Default: one line on standard error.
   */
  readonly onError?: (error: unknown, request: string) => void;
}

export interface SandboxStats {
  /** Requests per URL path, faulted ones included. */
  readonly requests: Record<string, number>;
  /** Responses per HTTP status. */
  readonly responses: Record<string, number>;
  /** Items sent in list bodies. */
  readonly recordsServed: number;
  /** Access tokens issued, by the token endpoint or `issueAccessToken`. */
  readonly tokensIssued: number;
  readonly faultsFired: number;
}

export interface Sandbox {
  /** API base, for `CROSSBEAM_API_URL`: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Token endpoint base, for `CROSSBEAM_AUTH_URL`; tokens at `/oauth/token`. */
  readonly authUrl: string;
  /** Our organization's uuid, for `Xbeam-Organization`. */
  readonly organization: string;
  /** The client credentials and the first refresh token. */
  readonly credentials: SandboxCredentials;
  /** The refresh token that the next exchange must present. */
  currentRefreshToken(): string;
  /** Issues an access token without the refresh flow. */
  issueAccessToken(): string;
  clock(): Date;
  /**
   * Moves the API's clock. New passes and bookmark calls show the world at
   * this instant; passes already under way keep the instant they started at.
   */
  setClock(clock: Date): void;
  /** Replaces the fault rules and resets their counters. */
  setFaults(rules: readonly FaultRule[]): void;
  setLatency(latencyMs: number): void;
  setListKey(listKey: 'data' | 'items'): void;
  stats(): SandboxStats;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];
const MAX_FORM_BYTES = 64 * 1024;
const DAY = 86_400;

const NOT_JSON_BODY =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

const FAULT_ERRORS: Readonly<Record<number, [string, string]>> = {
  429: ['rate_limited', 'Too many requests: slow down and retry later.'],
  500: ['server_error', 'Internal server error: retry later.'],
  502: ['bad_gateway', 'Bad gateway: retry later.'],
  503: ['service_unavailable', 'Service unavailable: retry later.'],
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function validClock(clock: Date, name: string): number {
  if (!(clock instanceof Date) || Number.isNaN(clock.getTime())) {
    throw new ConfigurationError(
      `Invalid sandbox ${name} ${String(clock)}: use a valid Date.`,
    );
  }
  return toSeconds(clock);
}

function validNumber(value: number, name: string, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new ConfigurationError(
      `Invalid sandbox option ${name}=${value}: use a number of at least ${min}.`,
    );
  }
  return value;
}

function validListKey(listKey: string): 'data' | 'items' {
  if (listKey !== 'data' && listKey !== 'items') {
    throw new ConfigurationError(
      `Invalid sandbox option listKey=${JSON.stringify(listKey)}: use "data" or "items".`,
    );
  }
  return listKey;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        reject(
          new SandboxApiError(
            413,
            'invalid_request',
            `Request body over ${MAX_FORM_BYTES} bytes.`,
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
    );
    req.on('error', reject);
  });
}

/** Derives the cursor key from the world, so cursors survive restarts. */
function cursorSecret(world: World): number {
  return hashWords(
    world.seed,
    hashString(String(world.scale)),
    world.timeline.anchor,
  );
}

/** Encodes a JSON response body as UTF-8. */
function encodeBody(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/**
 * Starts the sandbox and resolves once it listens.
 *
 * @example
 * const sandbox = await startSandbox({ world: createWorld({ seed: 1, scale: 'tiny', anchor: new Date() }) });
 * // … point the client at sandbox.url and sandbox.authUrl …
 * await sandbox.close();
 */
export async function startSandbox(
  options: StartSandboxOptions,
): Promise<Sandbox> {
  const { world } = options;
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new ConfigurationError(
      `Invalid sandbox host ${JSON.stringify(host)}: the sandbox listens on loopback only; use 127.0.0.1, ::1 or localhost.`,
    );
  }
  let clock = validClock(options.clock ?? world.anchor, 'clock');
  let latencyMs = validNumber(options.latencyMs ?? 0, 'latencyMs', 0);
  let listKey = validListKey(options.listKey ?? 'data');
  const ttl = validNumber(
    options.accessTokenTtlSeconds ?? DAY,
    'accessTokenTtlSeconds',
    1,
  );
  const retentionDays = validNumber(
    options.bookmarkRetentionDays ?? 90,
    'bookmarkRetentionDays',
    0,
  );
  const tokens = new TokenIssuer(options.credentials, ttl);
  const faults = new FaultPlan(options.faults ?? []);
  const secret = cursorSecret(world);
  const counters = {
    requests: {} as Record<string, number>,
    responses: {} as Record<string, number>,
    recordsServed: 0,
    faultsFired: 0,
  };
  let base = '';

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    options: { headers?: Record<string, string>; truncate?: boolean } = {},
  ) => {
    if (res.destroyed || res.headersSent) return;
    if (options.truncate) {
      const text = JSON.stringify(body);
      counters.responses[status] = (counters.responses[status] ?? 0) + 1;
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        ...options.headers,
      });
      res.end(text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    sendBytes(res, status, encodeBody(body), options.headers);
  };

  /** Sends a JSON body that `encodeBody` encoded. */
  const sendBytes = (
    res: ServerResponse,
    status: number,
    bytes: Buffer,
    headers: Record<string, string> = {},
  ) => {
    if (res.destroyed || res.headersSent) return;
    counters.responses[status] = (counters.responses[status] ?? 0) + 1;
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      ...headers,
      'Content-Length': String(bytes.length),
    });
    res.end(bytes);
  };

  const onError =
    options.onError ??
    ((error: unknown, request: string) => {
      console.error(
        `Crossbeam sandbox failed on ${request} and responded 500: ${String(error)}`,
      );
    });
  const failed = (res: ServerResponse, error: unknown, request: string) => {
    onError(error, request);
    send(res, 500, {
      error: 'server_error',
      error_description: `Sandbox failure: ${String(error)}`,
    });
  };

  const checkOrganization = (req: IncomingMessage) => {
    const header = req.headers['xbeam-organization'];
    const value = Array.isArray(header) ? header[0] : header;
    if (value === undefined || value.trim() === '') {
      throw new SandboxApiError(
        400,
        'missing_organization',
        `Missing Xbeam-Organization header: send the uuid of your organization (${world.organization.uuid}), as listed by GET /v1/users/me.`,
      );
    }
    if (value.trim() !== world.organization.uuid) {
      throw new SandboxApiError(
        403,
        'forbidden',
        `Xbeam-Organization ${JSON.stringify(value)} is not an organization this token may act for: use one listed by GET /v1/users/me.`,
      );
    }
  };

  const nextHref = (url: URL, name: 'cursor' | 'page', value: string) => {
    const query = new URLSearchParams(url.search);
    query.delete(name);
    query.append(name, value);
    return `${base}${url.pathname}?${query.toString()}`;
  };

  const api = (
    req: IncomingMessage,
    url: URL,
    fault: FaultRule | undefined,
  ): unknown => {
    if (req.method !== 'GET') {
      throw new SandboxApiError(
        405,
        'method_not_allowed',
        `Method ${req.method} is not allowed on ${url.pathname}: the API is read-only, use GET.`,
      );
    }
    if (fault?.type === 'expired-token') {
      throw new SandboxApiError(
        401,
        'invalid_token',
        'The access token expired: get a new one from the token endpoint.',
        {
          'WWW-Authenticate':
            'Bearer realm="crossbeam-sandbox", error="invalid_token"',
        },
      );
    }
    tokens.authenticate(req.headers.authorization);

    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/v1/users/me') {
      const user = world.users[0];
      return {
        id: user?.uuid ?? null,
        email: user?.email ?? null,
        first_name: user?.firstName ?? null,
        last_name: user?.lastName ?? null,
        name: user?.name ?? null,
        organizations: [{ ...world.organization, role: 'admin' }],
      };
    }
    checkOrganization(req);

    let pageEndpoint: PageEndpoint | undefined;
    const organizationPath = /^\/v1\/users\/organization\/([^/]+)$/.exec(path);
    if (organizationPath) {
      const uuid = decodeURIComponent(organizationPath[1] as string);
      if (uuid !== world.organization.uuid) {
        throw new SandboxApiError(
          403,
          'forbidden',
          `Organization ${JSON.stringify(uuid)} is not yours: use ${world.organization.uuid}.`,
        );
      }
      pageEndpoint = '/v1/users/organization';
    } else if (
      [
        '/v1/partners',
        '/v1/partner-tags',
        '/v1/populations',
        '/v1/partner-populations',
        '/v1/reports',
      ].includes(path)
    ) {
      pageEndpoint = path as PageEndpoint;
    }
    if (pageEndpoint) {
      const page = numberedPage(world, pageEndpoint, url.searchParams);
      counters.recordsServed += page.items.length;
      return {
        [listKey]: page.items,
        pagination: {
          next_href:
            page.nextPage === null
              ? null
              : nextHref(url, 'page', String(page.nextPage)),
          page: page.page,
          limit: page.limit,
          total_count: page.totalCount,
        },
        warnings: [],
      };
    }

    if (!CURSOR_ENDPOINTS.includes(path as CursorEndpoint)) {
      throw new SandboxApiError(
        404,
        'not_found',
        `No endpoint GET ${path} in the Crossbeam sandbox.`,
      );
    }
    const requestedCursor = url.searchParams.get('cursor');
    const currentHref = `${base}${url.pathname}${url.search}`;
    if (fault?.type === 'empty-page') {
      return {
        [listKey]: [],
        pagination: {
          next_href: currentHref,
          next_cursor: requestedCursor,
          has_more: true,
        },
        warnings: [],
      };
    }
    const page = cursorPage(
      { world, secret, clock, bookmarkRetentionSeconds: retentionDays * DAY },
      path as CursorEndpoint,
      url.searchParams,
    );
    counters.recordsServed += page.items.length;
    const repeat = fault?.type === 'repeat-cursor';
    return {
      [listKey]: page.items,
      pagination: {
        next_href: repeat
          ? currentHref
          : page.nextCursor === null
            ? null
            : nextHref(url, 'cursor', page.nextCursor),
        next_cursor: repeat ? requestedCursor : page.nextCursor,
        has_more: repeat ? true : page.hasMore,
      },
      warnings: page.warnings,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    counters.requests[path] = (counters.requests[path] ?? 0) + 1;
    const fault = faults.take(
      path,
      CURSOR_ENDPOINTS.includes(path as CursorEndpoint),
    );
    if (fault) counters.faultsFired += 1;

    if (fault?.type === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'delay') await sleep(fault.delayMs);
    const respondAt = performance.now() + latencyMs;
    // Without a fault, a /v1 body is built and encoded while the latency
    // runs, so that latencyMs is the whole time a page takes to respond, as
    // it is for an API whose own work is part of its latency.
    let prepared:
      { bytes: Buffer; records: number } | { error: unknown } | undefined;
    if (path.startsWith('/v1/') && fault === undefined) {
      // Items count as served once their body is sent.
      const servedBefore = counters.recordsServed;
      try {
        const bytes = encodeBody(api(req, url, undefined));
        prepared = { bytes, records: counters.recordsServed - servedBefore };
      } catch (error) {
        prepared = { error };
      }
      counters.recordsServed = servedBefore;
    }
    if (path.startsWith('/v1/') && latencyMs > 0) {
      await sleep(Math.max(0, respondAt - performance.now()));
    }
    if (res.destroyed) return;

    if (fault?.type === 'status') {
      const [code, message] = FAULT_ERRORS[fault.status] ?? [
        'server_error',
        'Server error.',
      ];
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined
          ? {}
          : { 'Retry-After': String(fault.retryAfterSeconds) };
      send(
        res,
        fault.status,
        { error: code, error_description: message },
        { headers },
      );
      return;
    }
    if (fault?.type === 'not-json') {
      counters.responses[200] = (counters.responses[200] ?? 0) + 1;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(NOT_JSON_BODY);
      return;
    }

    const truncate = fault?.type === 'truncate';
    try {
      if (path === '/oauth/token') {
        if (req.method !== 'POST') {
          throw new SandboxApiError(
            405,
            'invalid_request',
            `Method ${req.method} is not allowed on /oauth/token: use POST with a form body.`,
          );
        }
        const type = req.headers['content-type'] ?? '';
        if (!type.startsWith('application/x-www-form-urlencoded')) {
          throw new SandboxApiError(
            400,
            'invalid_request',
            `Invalid Content-Type ${JSON.stringify(type)} for /oauth/token: send an application/x-www-form-urlencoded form.`,
          );
        }
        const form = await readForm(req);
        const body = tokens.exchange(form, req.headers.authorization);
        send(res, 200, body, {
          truncate,
          headers: { 'Cache-Control': 'no-store' },
        });
        return;
      }
      if (prepared === undefined) {
        send(res, 200, api(req, url, fault), { truncate });
      } else if ('error' in prepared) {
        throw prepared.error;
      } else {
        counters.recordsServed += prepared.records;
        sendBytes(res, 200, prepared.bytes);
      }
    } catch (error) {
      if (error instanceof SandboxApiError) {
        send(res, error.status, error.body(), {
          headers: { ...error.headers },
        });
      } else if (error instanceof CursorError) {
        send(res, 400, { error: error.code, error_description: error.message });
      } else {
        failed(res, error, `${req.method} ${path}`);
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      failed(res, error, `${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  base = `http://${hostPart}:${address.port}`;

  return {
    url: base,
    authUrl: base,
    organization: world.organization.uuid,
    credentials: tokens.credentials,
    currentRefreshToken: () => tokens.currentRefreshToken(),
    issueAccessToken: () => tokens.issueAccessToken(),
    clock: () => new Date(clock * 1000),
    setClock(next: Date) {
      clock = validClock(next, 'clock');
    },
    setFaults(rules: readonly FaultRule[]) {
      faults.replace(rules);
    },
    setLatency(next: number) {
      latencyMs = validNumber(next, 'latencyMs', 0);
    },
    setListKey(next: 'data' | 'items') {
      listKey = validListKey(next);
    },
    stats: () => ({
      requests: { ...counters.requests },
      responses: { ...counters.responses },
      recordsServed: counters.recordsServed,
      tokensIssued: tokens.issued,
      faultsFired: counters.faultsFired,
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
