/**
 * Faults the sandbox injects on request, for testing a client's retries and
 * guards. Each rule matches requests whose path starts with `path`, lets the
 * first `after` of them through, then fires on the next `count`.
 */

interface FaultMatch {
  /** Path prefix, for example `/v1/overlaps` or `/oauth/token`. */
  readonly path: string;
  /** Matching requests to fire on; default 1. `Infinity` fires forever. */
  readonly count?: number;
  /** Matching requests to let through before the first firing; default 0. */
  readonly after?: number;
}

/**
 * One fault rule:
 * - `status`: responds `status` with a JSON error body; `retryAfterSeconds`
 *   adds a `Retry-After` header.
 * - `delay`: waits `delayMs` before responding normally, to exceed a client's
 *   timeout.
 * - `drop`: destroys the socket without responding.
 * - `truncate`: sends the first half of the real body, then ends it.
 * - `not-json`: responds 200 with an HTML page, as a misrouted proxy would.
 * - `expired-token`: responds 401 `invalid_token` for a valid token.
 * - `empty-page`: on a cursor list, responds with no items with `has_more: true`
 *   and a `next_href` that returns the real page.
 * - `repeat-cursor`: on a cursor list, responds with the real page but with
 *   `next_href` equal to the URL just requested.
 *
 * `empty-page` and `repeat-cursor` fire only on cursor-paged lists; other
 * paths do not use up their count.
 */
export type FaultRule = FaultMatch &
  (
    | {
        readonly type: 'status';
        readonly status: 429 | 500 | 502 | 503;
        readonly retryAfterSeconds?: number;
      }
    | { readonly type: 'delay'; readonly delayMs: number }
    | { readonly type: 'drop' }
    | { readonly type: 'truncate' }
    | { readonly type: 'not-json' }
    | { readonly type: 'expired-token' }
    | { readonly type: 'empty-page' }
    | { readonly type: 'repeat-cursor' }
  );

export type FaultType = FaultRule['type'];

const FAULT_TYPES: readonly FaultType[] = [
  'status',
  'delay',
  'drop',
  'truncate',
  'not-json',
  'expired-token',
  'empty-page',
  'repeat-cursor',
];

/** Faults that only make sense on a cursor-paged list. */
export const PAGE_FAULTS: readonly FaultType[] = [
  'empty-page',
  'repeat-cursor',
];

/** A fault rule with an invalid field; the message names it. */
export class FaultRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultRuleError';
  }
}

function validateRule(rule: FaultRule, index: number): void {
  const where = `Fault rule ${index} (${JSON.stringify(rule)})`;
  if (!FAULT_TYPES.includes(rule.type)) {
    throw new FaultRuleError(
      `${where} has an unknown type: use one of ${FAULT_TYPES.join(', ')}.`,
    );
  }
  if (typeof rule.path !== 'string' || !rule.path.startsWith('/')) {
    throw new FaultRuleError(
      `${where} has an invalid path: use a path prefix starting with "/", for example "/v1/overlaps".`,
    );
  }
  const count = rule.count ?? 1;
  if (!(count === Infinity || (Number.isInteger(count) && count >= 1))) {
    throw new FaultRuleError(
      `${where} has an invalid count: use a whole number of at least 1, or Infinity.`,
    );
  }
  const after = rule.after ?? 0;
  if (!Number.isInteger(after) || after < 0) {
    throw new FaultRuleError(
      `${where} has an invalid after: use a whole number of at least 0.`,
    );
  }
  if (rule.type === 'status' && ![429, 500, 502, 503].includes(rule.status)) {
    throw new FaultRuleError(
      `${where} has an invalid status: use 429, 500, 502 or 503.`,
    );
  }
  if (
    rule.type === 'status' &&
    rule.retryAfterSeconds !== undefined &&
    !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)
  ) {
    throw new FaultRuleError(
      `${where} has an invalid retryAfterSeconds: use a whole number of seconds, at least 0.`,
    );
  }
  if (
    rule.type === 'delay' &&
    !(Number.isFinite(rule.delayMs) && rule.delayMs >= 0)
  ) {
    throw new FaultRuleError(
      `${where} has an invalid delayMs: use a number of milliseconds, at least 0.`,
    );
  }
}

interface RuleState {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

/** The active fault rules and how often each has matched and fired. */
export class FaultPlan {
  private states: RuleState[] = [];

  constructor(rules: readonly FaultRule[] = []) {
    this.replace(rules);
  }

  /** Replaces every rule and resets their counters. */
  replace(rules: readonly FaultRule[]): void {
    rules.forEach(validateRule);
    this.states = rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
  }

  /**
   * Returns the first rule that fires for this request, and counts it.
   * `pageList` is true when the path is a cursor-paged list.
   */
  take(path: string, pageList: boolean): FaultRule | undefined {
    for (const state of this.states) {
      const { rule } = state;
      if (!path.startsWith(rule.path)) continue;
      if (PAGE_FAULTS.includes(rule.type) && !pageList) continue;
      if (state.fired >= (rule.count ?? 1)) continue;
      state.seen += 1;
      if (state.seen <= (rule.after ?? 0)) continue;
      state.fired += 1;
      return rule;
    }
    return undefined;
  }

  /** Counts how many times each rule has fired, in rule order. */
  firedCounts(): number[] {
    return this.states.map((state) => state.fired);
  }
}
