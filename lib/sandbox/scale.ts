import { ConfigurationError } from '../errors';
import type { Scale } from './types';

/** Entity counts that a `Scale` stands for. */
export interface ScaleSize {
  readonly accounts: number;
  readonly leads: number;
  readonly partners: number;
}

/**
 * Largest numeric scale. Generation used about 320 MB per million accounts
 * (measured with Node 20, before `World.crm` is built).
 */
export const MAX_ACCOUNTS = 5_000_000;

const NAMED: Readonly<Record<'tiny' | 'demo' | 'large', ScaleSize>> = {
  tiny: { accounts: 20, leads: 10, partners: 3 },
  demo: { accounts: 3_000, leads: 900, partners: 30 },
  large: { accounts: 56_000, leads: 12_000, partners: 200 },
};

/**
 * Resolves a scale to entity counts. A number is our account count; partners
 * grow with its square root (30 at 3,000 accounts, at most 400), and leads
 * are 30% of accounts.
 */
export function resolveScale(scale: Scale): ScaleSize {
  if (typeof scale === 'string') {
    const size = NAMED[scale];
    if (size === undefined) {
      throw new ConfigurationError(
        `Invalid sandbox scale "${String(scale)}": use tiny, demo, large, or a number of accounts.`,
      );
    }
    return size;
  }

  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_ACCOUNTS) {
    throw new ConfigurationError(
      `Invalid sandbox scale ${scale}: a numeric scale is a whole number of accounts from 1 to ${MAX_ACCOUNTS}.`,
    );
  }
  const partners = Math.round(30 * Math.sqrt(scale / 3_000));
  return {
    accounts: scale,
    leads: Math.round(scale * 0.3),
    partners: Math.min(400, Math.max(3, partners)),
  };
}
