/**
 * Attribution figures for the hand-made world, worked out from the
 * attribution rules themselves rather than from the SQL under test. Each
 * won opportunity's touches are listed by hand, in time order, with their
 * whole days before the close date.
 */
import { OPPORTUNITIES } from './hand-world';

export interface ExpectedTouch {
  readonly eventType: string;
  /** ISO instant, to find the touch in the views. */
  readonly occurredAt: string;
  readonly daysBeforeClose: number;
}

export const ATTRIBUTION_MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'time_decay',
  'position_based',
] as const;

export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** Touches of each won opportunity inside the 180-day lookback window. */
export const WON_TOUCHES: Readonly<
  Record<string, { amount: number; touches: readonly ExpectedTouch[] }>
> = {
  [OPPORTUNITIES.o1.ids.id18]: {
    amount: 1000,
    touches: [
      // Alpha overlap: its API created_at (Feb 10) is before the sync.
      {
        eventType: 'partner_overlap',
        occurredAt: '2025-02-10T08:00:00.000Z',
        daysBeforeClose: 141,
      },
      {
        eventType: 'partner_overlap',
        occurredAt: '2025-03-01T06:00:00.000Z',
        daysBeforeClose: 122,
      },
      {
        eventType: 'partner_overlap',
        occurredAt: '2025-04-15T06:00:00.000Z',
        daysBeforeClose: 77,
      },
      {
        eventType: 'partner_deal_opened',
        occurredAt: '2025-06-17T12:00:00.000Z',
        daysBeforeClose: 14,
      },
      {
        eventType: 'webinar',
        occurredAt: '2025-06-24T15:00:00.000Z',
        daysBeforeClose: 7,
      },
      // Sent twice by the source, once with a 15-character id: one touch.
      {
        eventType: 'email_click',
        occurredAt: '2025-06-30T10:00:00.000Z',
        daysBeforeClose: 1,
      },
    ],
  },
  [OPPORTUNITIES.o4.ids.id18]: {
    amount: 2000,
    // The Alpha overlap appeared on June 10, after the May 20 close.
    touches: [
      {
        eventType: 'webinar',
        occurredAt: '2025-05-01T10:00:00.000Z',
        daysBeforeClose: 19,
      },
    ],
  },
  [OPPORTUNITIES.o5.ids.id18]: {
    amount: 400,
    touches: [
      {
        eventType: 'email_click',
        occurredAt: '2025-07-20T10:00:00.000Z',
        daysBeforeClose: 21,
      },
      {
        eventType: 'demo',
        occurredAt: '2025-08-10T09:00:00.000Z',
        daysBeforeClose: 0,
      },
    ],
  },
  // o7 (Umbrella) is won but has no touch in its window.
};

const HALF_LIFE_DAYS = 7;

/** Credit of each touch (in time order) under one model; 0 = no row. */
export function expectedCredits(
  model: AttributionModel,
  touches: readonly ExpectedTouch[],
): number[] {
  const n = touches.length;
  switch (model) {
    case 'first_touch':
      return touches.map((_, i) => (i === 0 ? 1 : 0));
    case 'last_touch':
      return touches.map((_, i) => (i === n - 1 ? 1 : 0));
    case 'linear':
      return touches.map(() => 1 / n);
    case 'time_decay': {
      const weights = touches.map((touch) =>
        Math.pow(2, -touch.daysBeforeClose / HALF_LIFE_DAYS),
      );
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      return weights.map((weight) => weight / total);
    }
    case 'position_based':
      if (n === 1) return [1];
      if (n === 2) return [0.5, 0.5];
      return touches.map((_, i) =>
        i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2),
      );
  }
}

export interface EventTypeTotal {
  opportunityCount: number;
  touchCount: number;
  credit: number;
  revenue: number;
}

/** Credit and revenue by model and event type, summed over the won deals. */
export function expectedEventTypeTotals(): Map<string, EventTypeTotal> {
  const totals = new Map<string, EventTypeTotal>();
  for (const model of ATTRIBUTION_MODELS) {
    for (const { amount, touches } of Object.values(WON_TOUCHES)) {
      const credits = expectedCredits(model, touches);
      const seenTypes = new Set<string>();
      touches.forEach((touch, i) => {
        const credit = credits[i]!;
        if (credit === 0) return;
        const key = `${model}/${touch.eventType}`;
        const total = totals.get(key) ?? {
          opportunityCount: 0,
          touchCount: 0,
          credit: 0,
          revenue: 0,
        };
        if (!seenTypes.has(touch.eventType)) total.opportunityCount += 1;
        seenTypes.add(touch.eventType);
        total.touchCount += 1;
        total.credit += credit;
        total.revenue += credit * amount;
        totals.set(key, total);
      });
    }
  }
  return totals;
}
