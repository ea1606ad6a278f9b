/**
 * A minimal HTTP client for the sandbox tests: it speaks the API the way a
 * real client would (token exchange, headers, following `next_href`).
 */
import type { Sandbox } from '../../lib/sandbox';

export interface ListBody {
  data?: Record<string, unknown>[];
  items?: Record<string, unknown>[];
  pagination?: {
    next_href: string | null;
    next_cursor?: string | null;
    has_more?: boolean;
  };
  warnings?: string[];
}

export async function exchangeToken(
  sandbox: Sandbox,
  refreshToken: string,
  overrides: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: sandbox.credentials.clientId,
    client_secret: sandbox.credentials.clientSecret,
    refresh_token: refreshToken,
    ...overrides,
  });
  const response = await fetch(`${sandbox.authUrl}/oauth/token`, {
    method: 'POST',
    body: form,
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  };
}

export function headersFor(sandbox: Sandbox, token: string) {
  return {
    Authorization: `Bearer ${token}`,
    'Xbeam-Organization': sandbox.organization,
  };
}

export async function getJson(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: ListBody & Record<string, unknown> }> {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    body: (await response.json()) as ListBody & Record<string, unknown>,
  };
}

export interface Pass {
  items: Record<string, unknown>[];
  pages: number;
  /** The last `next_href`: the bookmark of an overlap or signal pass. */
  bookmark: string | null;
}

/**
 * Follows `next_href` until `has_more` is false (cursor lists) or
 * `next_href` is null (numbered lists). Fails on any non-200
 * response and after `maxPages`, so a looping cursor cannot hang a test.
 */
export async function readPass(
  firstUrl: string,
  headers: Record<string, string>,
  maxPages = 10_000,
): Promise<Pass> {
  const items: Record<string, unknown>[] = [];
  let url = firstUrl;
  for (let pages = 1; pages <= maxPages; pages += 1) {
    const { status, body } = await getJson(url, headers);
    if (status !== 200) {
      throw new Error(`GET ${url} returned ${status}: ${JSON.stringify(body)}`);
    }
    items.push(...(body.data ?? body.items ?? []));
    const pagination = body.pagination;
    const numberedEnd =
      pagination?.has_more === undefined && !pagination?.next_href;
    if (!pagination || pagination.has_more === false || numberedEnd) {
      return { items, pages, bookmark: pagination?.next_href ?? null };
    }
    if (!pagination.next_href) {
      throw new Error(`GET ${url} has has_more true but no next_href`);
    }
    url = pagination.next_href;
  }
  throw new Error(`${firstUrl} did not end within ${maxPages} pages`);
}

export function overlapKey(item: Record<string, unknown>): string {
  return `${String(item.crossbeam_record_id)}|${String(item.partner_crossbeam_record_id)}`;
}
