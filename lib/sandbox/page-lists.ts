/**
 * The small lists that page with `limit` and `page`: partners, partner tags,
 * populations, partner populations, reports and our users.
 */
import { SandboxApiError } from './api-error';
import type { Population } from './types';
import type { World } from './world';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export type PageEndpoint =
  | '/v1/partners'
  | '/v1/partner-tags'
  | '/v1/populations'
  | '/v1/partner-populations'
  | '/v1/reports'
  | '/v1/users/organization';

export interface NumberedPage {
  readonly items: unknown[];
  /** The next page number, or null on the last page. */
  readonly nextPage: number | null;
  readonly page: number;
  readonly limit: number;
  readonly totalCount: number;
}

function renderPopulation(population: Population) {
  return {
    id: population.id,
    name: population.name,
    population_type: population.population_type,
    standard_type: population.standard_type,
    description: population.description,
  };
}

function wholeNumber(
  query: URLSearchParams,
  name: string,
  fallback: number,
  max: number,
): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new SandboxApiError(
      400,
      'invalid_request',
      `Invalid query parameter ${name}=${JSON.stringify(text)}: use a whole number from 1 to ${max}.`,
    );
  }
  return value;
}

/** Lists every item of a numbered list, in a fixed order. */
export function allItems(world: World, endpoint: PageEndpoint): unknown[] {
  switch (endpoint) {
    case '/v1/partners':
      return world.partners.map((partner) => ({
        uuid: partner.uuid,
        name: partner.name,
        domain: partner.domain,
        logo_url: partner.logo_url,
        tags: partner.tagIds.map((id) => ({
          id,
          label: world.partnerTags.find((tag) => tag.id === id)?.label ?? null,
        })),
      }));
    case '/v1/partner-tags':
      return world.partnerTags.map((tag) => ({ id: tag.id, label: tag.label }));
    case '/v1/populations':
      return world.populations
        .filter((p) => p.partnerIndex < 0)
        .map(renderPopulation);
    case '/v1/partner-populations':
      return world.populations
        .filter((p) => p.partnerIndex >= 0)
        .map(renderPopulation);
    case '/v1/reports':
      return world.reports.map((report) => ({ ...report }));
    case '/v1/users/organization':
      return world.users.map((user) => ({
        id: user.uuid,
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        name: user.name,
        phone: null,
        role: user.role,
      }));
  }
}

/**
 * Serves one page of a numbered list. Raises `SandboxApiError` for an invalid
 * `limit` or `page`.
 */
export function numberedPage(
  world: World,
  endpoint: PageEndpoint,
  query: URLSearchParams,
): NumberedPage {
  const limit = wholeNumber(query, 'limit', DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
  const page = wholeNumber(query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const items = allItems(world, endpoint);
  const start = (page - 1) * limit;
  return {
    items: items.slice(start, start + limit),
    nextPage: start + limit < items.length ? page + 1 : null,
    page,
    limit,
    totalCount: items.length,
  };
}
