/**
 * The cursor-paged lists: records, overlaps and signals. A pass shows the
 * world at one clock instant, fixed when the pass starts, so moving the
 * sandbox clock mid-pass never skips or repeats an item. The last page of an
 * overlap or signal pass carries a bookmark; calling it later starts a pass
 * over only what changed in between.
 */
import { SandboxApiError } from './api-error';
import {
  CursorError,
  decodeCursor,
  encodeCursor,
  type PageCursor,
} from './cursor';
import { MAX_CHANGES } from './overlap-table';
import { hashString, hashWords } from './random';
import {
  renderAccount,
  renderLead,
  renderOverlap,
  renderSignal,
} from './render';
import type { OverlapKind, World } from './world';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

export type CursorEndpoint =
  | '/v1/records/accounts'
  | '/v1/records/leads'
  | '/v1/overlaps/accounts'
  | '/v1/overlaps/leads'
  | '/v1/signals/accounts'
  | '/v1/signals/leads';

export const CURSOR_ENDPOINTS: readonly CursorEndpoint[] = [
  '/v1/records/accounts',
  '/v1/records/leads',
  '/v1/overlaps/accounts',
  '/v1/overlaps/leads',
  '/v1/signals/accounts',
  '/v1/signals/leads',
];

const OVERLAP_PARAMETERS = [
  'population-ids[]',
  'population-ids',
  'partner-population-ids[]',
  'partner-population-ids',
  'partner-id',
  'partner-id[]',
];

const TRIGGERED_AT_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq'] as const;

const SIGNAL_PARAMETERS = [
  'partner_id',
  'partner_id[]',
  'population_id',
  'population_id[]',
  'record_id',
  'record_id[]',
  ...TRIGGERED_AT_OPERATORS.map((operator) => `triggered_at[${operator}]`),
];

export interface CursorPage {
  readonly items: unknown[];
  /** The next page's cursor, or at the end the bookmark, or null. */
  readonly nextCursor: string | null;
  readonly hasMore: boolean;
  readonly warnings: string[];
}

export interface CursorListOptions {
  readonly world: World;
  /** Signs cursors; derived from the world so cursors survive restarts. */
  readonly secret: number;
  /** The sandbox clock in seconds. */
  readonly clock: number;
  /** Bookmarks older than this, measured on the sandbox clock, expire. */
  readonly bookmarkRetentionSeconds: number;
}

/**
 * Returns a renderer for the item at a position of a pass, or undefined when
 * the pass skips that position.
 */
type Classify = (position: number) => (() => unknown) | undefined;

function values(query: URLSearchParams, ...names: string[]): string[] {
  return names.flatMap((name) => query.getAll(name));
}

function parseIntegers(
  query: URLSearchParams,
  ...names: string[]
): Set<number> {
  const result = new Set<number>();
  for (const name of names) {
    for (const value of query.getAll(name)) {
      const parsed = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) {
        throw new SandboxApiError(
          400,
          'invalid_request',
          `Invalid query parameter ${name}=${JSON.stringify(value)}: population ids are whole numbers, for example ${name}=301.`,
        );
      }
      result.add(parsed);
    }
  }
  return result;
}

/** Parses `limit`: default 25, at most 1000 (larger values are clamped). */
export function parseLimit(query: URLSearchParams, warnings: string[]): number {
  const text = query.get('limit');
  if (text === null) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1) {
    throw new SandboxApiError(
      400,
      'invalid_request',
      `Invalid query parameter limit=${JSON.stringify(text)}: use a whole number from 1 to ${MAX_LIMIT}.`,
    );
  }
  if (limit > MAX_LIMIT) {
    warnings.push(
      `limit ${limit} is above the maximum of ${MAX_LIMIT}; ${MAX_LIMIT} items per page were returned.`,
    );
    return MAX_LIMIT;
  }
  return limit;
}

/** Hashes the query parameters other than `limit` and `cursor`, sorted. */
function filterHash(query: URLSearchParams): number {
  const pairs = [...query.entries()]
    .filter(([name]) => name !== 'limit' && name !== 'cursor')
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  return hashString(pairs.join('&'));
}

function warnUnknown(
  query: URLSearchParams,
  known: readonly string[],
  warnings: string[],
): void {
  const unknown = new Set<string>();
  for (const name of query.keys()) {
    if (name !== 'limit' && name !== 'cursor' && !known.includes(name))
      unknown.add(name);
  }
  for (const name of unknown) {
    warnings.push(`Unknown query parameter "${name}" was ignored.`);
  }
}

function partnerIndexes(
  world: World,
  uuids: readonly string[],
): Set<number> | undefined {
  if (uuids.length === 0) return undefined;
  const wanted = new Set(uuids);
  return new Set(
    world.partners.filter((p) => wanted.has(p.uuid)).map((p) => p.index),
  );
}

/** Finds the indexes in `world.populations` of the given population ids. */
function populationIndexes(world: World, ids: Set<number>): Set<number> {
  const result = new Set<number>();
  world.populations.forEach((population, index) => {
    if (ids.has(population.id)) result.add(index);
  });
  return result;
}

function ownPopulationMatch(
  world: World,
  kind: OverlapKind,
  ids: Set<number>,
): ((record: number) => boolean) | undefined {
  if (ids.size === 0) return undefined;
  const indexes =
    kind === 'account'
      ? world.directory.ourCompanyPopulations
      : world.directory.ourPeoplePopulations;
  let mask = 0;
  indexes.forEach((index, bit) => {
    const population = world.populations[index];
    if (population && ids.has(population.id)) mask |= 1 << bit;
  });
  const table = kind === 'account' ? world.accounts : world.leads;
  return (record) => ((table.populationMask[record] as number) & mask) !== 0;
}

/** Resolves a request's cursor to the pass it continues or starts. */
function resolvePass(
  options: CursorListOptions,
  endpoint: CursorEndpoint,
  query: URLSearchParams,
  bookmarkable: boolean,
): Omit<PageCursor, 'kind'> {
  const filters = filterHash(query);
  const text = query.get('cursor');
  if (text === null || text === '') {
    return {
      endpoint,
      filters,
      clock: options.clock,
      since: null,
      position: 0,
    };
  }

  const cursor = decodeCursor(options.secret, text);
  if (cursor.endpoint !== endpoint) {
    throw new CursorError(
      'invalid_cursor',
      `Invalid cursor: it was issued for ${cursor.endpoint}, not ${endpoint}. Start a new pass without a cursor.`,
    );
  }
  if (cursor.filters !== filters) {
    throw new CursorError(
      'invalid_cursor',
      `Invalid cursor: its query parameters differ from this request's, and changing a filter needs a new full pass. Call ${endpoint} without a cursor.`,
    );
  }
  if (cursor.kind === 'page') return cursor;

  if (!bookmarkable) {
    throw new CursorError(
      'invalid_cursor',
      `Invalid cursor: ${endpoint} takes no bookmarks.`,
    );
  }
  if (cursor.since > options.clock) {
    throw new CursorError(
      'invalid_cursor',
      `Invalid cursor: the bookmark is from ${new Date(cursor.since * 1000).toISOString()}, later than the API's clock. Start a new full pass without a cursor.`,
    );
  }
  if (options.clock - cursor.since > options.bookmarkRetentionSeconds) {
    const days = Math.round(options.bookmarkRetentionSeconds / 86_400);
    throw new CursorError(
      'cursor_expired',
      `Expired cursor: the bookmark from ${new Date(cursor.since * 1000).toISOString()} is older than ${days} days. Start a new full pass without a cursor.`,
    );
  }
  return {
    endpoint,
    filters,
    clock: options.clock,
    since: cursor.since,
    position: 0,
  };
}

function scan(
  secret: number,
  pass: Omit<PageCursor, 'kind'>,
  total: number,
  limit: number,
  classify: Classify,
  bookmarkable: boolean,
  warnings: string[],
): CursorPage {
  const items: unknown[] = [];
  let position = pass.position;
  for (; position < total && items.length < limit; position += 1) {
    const render = classify(position);
    if (render) items.push(render());
  }
  while (position < total && !classify(position)) position += 1;

  const hasMore = position < total;
  let nextCursor: string | null = null;
  if (hasMore) {
    nextCursor = encodeCursor(secret, { ...pass, kind: 'page', position });
  } else if (bookmarkable) {
    nextCursor = encodeCursor(secret, {
      kind: 'bookmark',
      endpoint: pass.endpoint,
      filters: pass.filters,
      since: pass.clock,
    });
  }
  return { items, nextCursor, hasMore, warnings };
}

function recordPage(
  options: CursorListOptions,
  kind: OverlapKind,
  query: URLSearchParams,
  limit: number,
  warnings: string[],
): CursorPage {
  const endpoint =
    kind === 'account' ? '/v1/records/accounts' : '/v1/records/leads';
  warnUnknown(query, [], warnings);
  const pass = resolvePass(options, endpoint, query, false);
  const { world } = options;
  const classify: Classify =
    kind === 'account'
      ? (i) =>
          world.accounts.isDeleted(i)
            ? undefined
            : () => renderAccount(world, i)
      : (i) => () => renderLead(world, i);
  const total = kind === 'account' ? world.accounts.count : world.leads.count;
  return scan(options.secret, pass, total, limit, classify, false, warnings);
}

function overlapPage(
  options: CursorListOptions,
  kind: OverlapKind,
  query: URLSearchParams,
  limit: number,
  warnings: string[],
): CursorPage {
  const endpoint =
    kind === 'account' ? '/v1/overlaps/accounts' : '/v1/overlaps/leads';
  warnUnknown(query, OVERLAP_PARAMETERS, warnings);
  const { world } = options;
  const ownMatch = ownPopulationMatch(
    world,
    kind,
    parseIntegers(query, 'population-ids[]', 'population-ids'),
  );
  const partnerPopulationIds = parseIntegers(
    query,
    'partner-population-ids[]',
    'partner-population-ids',
  );
  const partnerPopulations =
    partnerPopulationIds.size > 0
      ? populationIndexes(world, partnerPopulationIds)
      : undefined;
  const partners = partnerIndexes(
    world,
    values(query, 'partner-id', 'partner-id[]'),
  );
  const pass = resolvePass(options, endpoint, query, true);
  const table = world.overlaps(kind);
  // A list of one partner scans only that partner's overlaps, in the same
  // order as the whole table, so it returns the same items as a full scan.
  const only = partners?.size === 1 ? [...partners][0]! : undefined;
  const positions =
    only === undefined ? undefined : table.positionsOfPartner(only);
  const total = positions ? positions.length : table.count;
  const at = positions
    ? (k: number) => positions[k] as number
    : (k: number) => k;

  const matches = (i: number, t: number): boolean => {
    if (!table.isVisibleAt(i, t)) return false;
    if (partners && !partners.has(table.partnerIndex[i] as number))
      return false;
    if (ownMatch && !ownMatch(table.recordIndex[i] as number)) return false;
    if (
      partnerPopulations &&
      !partnerPopulations.has(table.populationAt(i, t)) &&
      !partnerPopulations.has(table.extraPopulation[i] as number)
    ) {
      return false;
    }
    return true;
  };

  const { clock, since } = pass;
  let classify: Classify;
  if (since === null) {
    classify = (k) => {
      const i = at(k);
      return matches(i, clock)
        ? () => renderOverlap(world, kind, i, clock, false)
        : undefined;
    };
  } else {
    // Changes come in an order that depends on the bookmark's interval, so
    // clients cannot rely on any order; the live API documents none either.
    const offset = total === 0 ? 0 : hashWords(since, clock) % total;
    classify = (k) => {
      const i = at((offset + k) % total);
      if (!table.changedBetween(i, since, clock)) return undefined;
      if (matches(i, clock))
        return () => renderOverlap(world, kind, i, clock, false);
      if (matches(i, since))
        return () => renderOverlap(world, kind, i, clock, true);
      return undefined;
    };
  }
  return scan(options.secret, pass, total, limit, classify, true, warnings);
}

function parseInstant(name: string, text: string): number {
  const millis = Date.parse(text);
  if (Number.isNaN(millis)) {
    throw new SandboxApiError(
      400,
      'invalid_request',
      `Invalid query parameter ${name}=${JSON.stringify(text)}: use an ISO 8601 timestamp, for example 2025-09-12T14:00:00Z.`,
    );
  }
  return millis / 1000;
}

function signalPage(
  options: CursorListOptions,
  kind: OverlapKind,
  query: URLSearchParams,
  limit: number,
  warnings: string[],
): CursorPage {
  const endpoint =
    kind === 'account' ? '/v1/signals/accounts' : '/v1/signals/leads';
  warnUnknown(query, SIGNAL_PARAMETERS, warnings);
  const { world } = options;
  const partners = partnerIndexes(
    world,
    values(query, 'partner_id', 'partner_id[]'),
  );
  const populationIds = parseIntegers(
    query,
    'population_id',
    'population_id[]',
  );
  const populations =
    populationIds.size > 0
      ? populationIndexes(world, populationIds)
      : undefined;
  const ownMatch = ownPopulationMatch(world, kind, populationIds);
  const recordIds = values(query, 'record_id', 'record_id[]');
  const records = recordIds.length > 0 ? new Set(recordIds) : undefined;
  const bounds = TRIGGERED_AT_OPERATORS.flatMap((operator) => {
    const name = `triggered_at[${operator}]`;
    const text = query.get(name);
    return text === null ? [] : [{ operator, at: parseInstant(name, text) }];
  });
  const pass = resolvePass(options, endpoint, query, true);
  const signals = world.signals(kind);
  const table = world.overlaps(kind);
  const recordTable = kind === 'account' ? world.accounts : world.leads;

  const from = pass.since === null ? 0 : signals.countUpTo(pass.since);
  const to = signals.countUpTo(pass.clock);
  const classify: Classify = (k) => {
    const n = from + k;
    const i = signals.overlap[n] as number;
    const record = table.recordIndex[i] as number;
    if (partners && !partners.has(table.partnerIndex[i] as number))
      return undefined;
    if (records && !records.has(recordTable.recordId(record))) return undefined;
    if (populations) {
      const base = i * (MAX_CHANGES + 1) + (signals.change[n] as number);
      const after = table.populations[base + 1] as number;
      if (!populations.has(after) && !(ownMatch?.(record) ?? false))
        return undefined;
    }
    const at = signals.triggeredAt[n] as number;
    for (const bound of bounds) {
      const ok =
        (bound.operator === 'gt' && at > bound.at) ||
        (bound.operator === 'gte' && at >= bound.at) ||
        (bound.operator === 'lt' && at < bound.at) ||
        (bound.operator === 'lte' && at <= bound.at) ||
        (bound.operator === 'eq' && at === bound.at);
      if (!ok) return undefined;
    }
    return () => renderSignal(world, kind, n);
  };
  return scan(options.secret, pass, to - from, limit, classify, true, warnings);
}

/**
 * Serves one page of a cursor-paged list. Raises `SandboxApiError` for an
 * invalid query and `CursorError` for an invalid or expired cursor.
 */
export function cursorPage(
  options: CursorListOptions,
  endpoint: CursorEndpoint,
  query: URLSearchParams,
): CursorPage {
  const warnings: string[] = [];
  const limit = parseLimit(query, warnings);
  switch (endpoint) {
    case '/v1/records/accounts':
      return recordPage(options, 'account', query, limit, warnings);
    case '/v1/records/leads':
      return recordPage(options, 'lead', query, limit, warnings);
    case '/v1/overlaps/accounts':
      return overlapPage(options, 'account', query, limit, warnings);
    case '/v1/overlaps/leads':
      return overlapPage(options, 'lead', query, limit, warnings);
    case '/v1/signals/accounts':
      return signalPage(options, 'account', query, limit, warnings);
    case '/v1/signals/leads':
      return signalPage(options, 'lead', query, limit, warnings);
  }
}
