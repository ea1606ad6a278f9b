import { toSeconds, type World } from './world';

/** Entity counts of a world, for the demo banner and `sandbox --help`. */
export interface SandboxSummary {
  readonly seed: number;
  readonly scale: string;
  /** The world's "today", `YYYY-MM-DD`. */
  readonly anchor: string;
  /** The instant the counts of live overlaps and signals refer to. */
  readonly clock: string;
  readonly organization: string;
  readonly users: number;
  readonly partners: number;
  readonly partnerTags: number;
  readonly populations: number;
  readonly partnerPopulations: number;
  readonly accounts: number;
  readonly leads: number;
  /** Every account overlap on the timeline, past and future. */
  readonly accountOverlaps: number;
  readonly liveAccountOverlaps: number;
  readonly leadOverlaps: number;
  readonly liveLeadOverlaps: number;
  /** Signals triggered at or before `clock`. */
  readonly accountSignals: number;
  readonly leadSignals: number;
  readonly opportunities: number;
  /** One line per count, for printing. */
  readonly lines: readonly string[];
}

/**
 * Counts a world's entities as the API shows them at `clock` (default the
 * anchor).
 *
 * @example
 * console.log(describeSandbox(world).lines.join('\n'));
 */
export function describeSandbox(
  world: World,
  clock: Date = world.anchor,
): SandboxSummary {
  const t = toSeconds(clock);
  let accounts = 0;
  for (let i = 0; i < world.accounts.count; i += 1) {
    if (!world.accounts.isDeleted(i)) accounts += 1;
  }
  const partnerPopulations = world.populations.filter(
    (p) => p.partnerIndex >= 0,
  ).length;
  const counts = {
    seed: world.seed,
    scale: String(world.scale),
    anchor: world.anchor.toISOString().slice(0, 10),
    clock: clock.toISOString(),
    organization: world.organization.name,
    users: world.users.length,
    partners: world.partners.length,
    partnerTags: world.partnerTags.length,
    populations: world.populations.length - partnerPopulations,
    partnerPopulations,
    accounts,
    leads: world.leads.count,
    accountOverlaps: world.accountOverlaps.count,
    liveAccountOverlaps: world.accountOverlaps.visibleCount(t),
    leadOverlaps: world.leadOverlaps.count,
    liveLeadOverlaps: world.leadOverlaps.visibleCount(t),
    accountSignals: world.accountSignals.countUpTo(t),
    leadSignals: world.leadSignals.countUpTo(t),
    opportunities: world.deals.count,
  };
  const number = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `Crossbeam sandbox: ${counts.organization}, seed ${counts.seed}, scale ${counts.scale}, anchor ${counts.anchor}, clock ${counts.clock}`,
    `  ${number(counts.partners)} partners, ${number(counts.partnerTags)} partner tags, ${number(counts.users)} users`,
    `  ${number(counts.populations)} populations, ${number(counts.partnerPopulations)} partner populations`,
    `  ${number(counts.accounts)} accounts, ${number(counts.leads)} leads, ${number(counts.opportunities)} opportunities`,
    `  ${number(counts.liveAccountOverlaps)} live account overlaps (${number(counts.accountOverlaps)} on the timeline), ${number(counts.liveLeadOverlaps)} live lead overlaps (${number(counts.leadOverlaps)})`,
    `  ${number(counts.accountSignals)} account signals, ${number(counts.leadSignals)} lead signals so far`,
  ];
  return { ...counts, lines };
}
