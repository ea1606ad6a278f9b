import { NEVER } from './types';

/** Changes an overlap may go through after it appears. */
export const MAX_CHANGES = 2;

/** No extra population on an overlap. */
export const NO_POPULATION = 0xffff;

/** A growable typed array, so tables need no size guess up front. */
class Column<T extends Uint8Array | Uint16Array | Uint32Array> {
  constructor(
    private data: T,
    private readonly create: (length: number) => T,
  ) {}

  get array(): T {
    return this.data;
  }

  ensure(length: number): void {
    if (length <= this.data.length) return;
    const grown = this.create(Math.max(length, this.data.length * 2));
    grown.set(this.data);
    this.data = grown;
  }

  trim(length: number): T {
    return this.data.slice(0, length) as T;
  }
}

/** One overlap as the generator describes it, before it is packed. */
export interface OverlapSpec {
  readonly recordIndex: number;
  readonly partnerIndex: number;
  readonly ownerIndex: number;
  /** Seconds since the Unix epoch, like every instant in the tables. */
  readonly appearsAt: number;
  readonly disappearsAt: number;
  /** Population indexes: the first, then one per change. */
  readonly populations: readonly number[];
  /** Instants of the changes, one fewer than `populations`. */
  readonly changes: readonly number[];
  readonly extraPopulation: number;
}

/**
 * Every overlap of one kind (account or lead), packed into typed arrays:
 * about 40 bytes an overlap. An overlap is visible from `appearsAt`
 * (included) to `disappearsAt` (excluded); its partner population moves at
 * each change instant.
 */
export class OverlapTable {
  count = 0;
  recordIndex: Uint32Array;
  partnerIndex: Uint16Array;
  ownerIndex: Uint32Array;
  appearsAt: Uint32Array;
  disappearsAt: Uint32Array;
  /** `MAX_CHANGES` instants per overlap, `NEVER` where unused. */
  changeAt: Uint32Array;
  /** `MAX_CHANGES + 1` population indexes per overlap. */
  populations: Uint16Array;
  extraPopulation: Uint16Array;

  private readonly columns = {
    recordIndex: new Column(new Uint32Array(1024), (n) => new Uint32Array(n)),
    partnerIndex: new Column(new Uint16Array(1024), (n) => new Uint16Array(n)),
    ownerIndex: new Column(new Uint32Array(1024), (n) => new Uint32Array(n)),
    appearsAt: new Column(new Uint32Array(1024), (n) => new Uint32Array(n)),
    disappearsAt: new Column(new Uint32Array(1024), (n) => new Uint32Array(n)),
    changeAt: new Column(new Uint32Array(2048), (n) => new Uint32Array(n)),
    populations: new Column(new Uint16Array(3072), (n) => new Uint16Array(n)),
    extraPopulation: new Column(
      new Uint16Array(1024),
      (n) => new Uint16Array(n),
    ),
  };

  constructor(readonly kind: 'account' | 'lead') {
    this.recordIndex = this.columns.recordIndex.array;
    this.partnerIndex = this.columns.partnerIndex.array;
    this.ownerIndex = this.columns.ownerIndex.array;
    this.appearsAt = this.columns.appearsAt.array;
    this.disappearsAt = this.columns.disappearsAt.array;
    this.changeAt = this.columns.changeAt.array;
    this.populations = this.columns.populations.array;
    this.extraPopulation = this.columns.extraPopulation.array;
  }

  /** Appends an overlap and returns its index. */
  add(spec: OverlapSpec): number {
    const i = this.count;
    const c = this.columns;
    c.recordIndex.ensure(i + 1);
    c.partnerIndex.ensure(i + 1);
    c.ownerIndex.ensure(i + 1);
    c.appearsAt.ensure(i + 1);
    c.disappearsAt.ensure(i + 1);
    c.changeAt.ensure((i + 1) * MAX_CHANGES);
    c.populations.ensure((i + 1) * (MAX_CHANGES + 1));
    c.extraPopulation.ensure(i + 1);
    c.recordIndex.array[i] = spec.recordIndex;
    c.partnerIndex.array[i] = spec.partnerIndex;
    c.ownerIndex.array[i] = spec.ownerIndex;
    c.appearsAt.array[i] = spec.appearsAt;
    c.disappearsAt.array[i] = spec.disappearsAt;
    for (let k = 0; k < MAX_CHANGES; k += 1) {
      c.changeAt.array[i * MAX_CHANGES + k] = spec.changes[k] ?? NEVER;
    }
    for (let k = 0; k <= MAX_CHANGES; k += 1) {
      const population =
        spec.populations[Math.min(k, spec.populations.length - 1)];
      c.populations.array[i * (MAX_CHANGES + 1) + k] = population ?? 0;
    }
    c.extraPopulation.array[i] = spec.extraPopulation;
    this.count += 1;
    return i;
  }

  /** Drops the spare capacity once every overlap is added. */
  seal(): void {
    const c = this.columns;
    this.recordIndex = c.recordIndex.trim(this.count);
    this.partnerIndex = c.partnerIndex.trim(this.count);
    this.ownerIndex = c.ownerIndex.trim(this.count);
    this.appearsAt = c.appearsAt.trim(this.count);
    this.disappearsAt = c.disappearsAt.trim(this.count);
    this.changeAt = c.changeAt.trim(this.count * MAX_CHANGES);
    this.populations = c.populations.trim(this.count * (MAX_CHANGES + 1));
    this.extraPopulation = c.extraPopulation.trim(this.count);
  }

  private byPartner: Uint32Array[] | undefined;

  /**
   * Returns the indexes of the overlaps with partner `partner`, ascending,
   * computed for every partner on the first call after `seal`. A list
   * filtered by one partner scans these instead of the whole table.
   */
  positionsOfPartner(partner: number): Uint32Array {
    if (this.byPartner === undefined) {
      const counts: number[] = [];
      for (let i = 0; i < this.count; i += 1) {
        const p = this.partnerIndex[i] as number;
        counts[p] = (counts[p] ?? 0) + 1;
      }
      const lists = Array.from(
        { length: counts.length },
        (_, p) => new Uint32Array(counts[p] ?? 0),
      );
      const filled = new Array<number>(counts.length).fill(0);
      for (let i = 0; i < this.count; i += 1) {
        const p = this.partnerIndex[i] as number;
        lists[p]![filled[p]!++] = i;
      }
      this.byPartner = lists;
    }
    return this.byPartner[partner] ?? new Uint32Array(0);
  }

  /** True when overlap `i` is shared at instant `t` (seconds). */
  isVisibleAt(i: number, t: number): boolean {
    return (
      (this.appearsAt[i] as number) <= t && t < (this.disappearsAt[i] as number)
    );
  }

  /** Counts the overlap's changes that happened at or before `t`. */
  changesBy(i: number, t: number): number {
    let done = 0;
    for (let k = 0; k < MAX_CHANGES; k += 1) {
      if ((this.changeAt[i * MAX_CHANGES + k] as number) <= t) done += 1;
    }
    return done;
  }

  /** Returns the population index of the partner side at `t`. */
  populationAt(i: number, t: number): number {
    const k = this.changesBy(i, t);
    return this.populations[i * (MAX_CHANGES + 1) + k] as number;
  }

  /** Returns the latest event of the overlap at or before `t`, or `NEVER`. */
  lastEventAt(i: number, t: number): number {
    let last = NEVER;
    const events = this.eventsOf(i);
    for (const event of events) {
      if (event <= t && (last === NEVER || event > last)) last = event;
    }
    return last;
  }

  /** True when the overlap appeared, changed or disappeared in (since, until]. */
  changedBetween(i: number, since: number, until: number): boolean {
    for (const event of this.eventsOf(i)) {
      if (event !== NEVER && event > since && event <= until) return true;
    }
    return false;
  }

  /** Counts the overlaps visible at `t`. */
  visibleCount(t: number): number {
    let count = 0;
    for (let i = 0; i < this.count; i += 1) {
      if (this.isVisibleAt(i, t)) count += 1;
    }
    return count;
  }

  private eventsOf(i: number): number[] {
    const events = [
      this.appearsAt[i] as number,
      this.disappearsAt[i] as number,
    ];
    for (let k = 0; k < MAX_CHANGES; k += 1) {
      events.push(this.changeAt[i * MAX_CHANGES + k] as number);
    }
    return events;
  }
}

export const SIGNAL_EVENT_TYPES = [
  'partner_deal_opened',
  'partner_deal_closed_won',
] as const;

export type SignalEventType = (typeof SIGNAL_EVENT_TYPES)[number];

/**
 * The partner deal events on one kind of overlap, sorted by `triggeredAt`
 * (then overlap, then change), so the signals up to an instant are a prefix.
 */
export class SignalTable {
  readonly count: number;
  readonly overlap: Uint32Array;
  /** Index of the overlap change that triggered the signal: 0 or 1. */
  readonly change: Uint8Array;
  readonly triggeredAt: Uint32Array;
  /** Index into `SIGNAL_EVENT_TYPES`. */
  readonly eventType: Uint8Array;

  /**
   * Derives signals from the overlaps' population moves: a move into an
   * `open` population opens a partner deal, and a move from `open` into
   * `customer` closes it won.
   */
  constructor(
    overlaps: OverlapTable,
    stageOf: (population: number) => 'prospect' | 'open' | 'customer' | null,
  ) {
    const found: Array<[number, number, number, number]> = [];
    for (let i = 0; i < overlaps.count; i += 1) {
      for (let k = 0; k < MAX_CHANGES; k += 1) {
        const at = overlaps.changeAt[i * MAX_CHANGES + k] as number;
        if (at === NEVER) continue;
        const base = i * (MAX_CHANGES + 1) + k;
        const before = stageOf(overlaps.populations[base] as number);
        const after = stageOf(overlaps.populations[base + 1] as number);
        if (after === 'open' && before !== 'open') found.push([at, i, k, 0]);
        if (before === 'open' && after === 'customer') {
          found.push([at, i, k, 1]);
        }
      }
    }

    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    this.count = found.length;
    this.overlap = new Uint32Array(found.length);
    this.change = new Uint8Array(found.length);
    this.triggeredAt = new Uint32Array(found.length);
    this.eventType = new Uint8Array(found.length);
    found.forEach(([at, overlap, change, type], n) => {
      this.triggeredAt[n] = at;
      this.overlap[n] = overlap;
      this.change[n] = change;
      this.eventType[n] = type;
    });
  }

  /** Counts the signals triggered at or before `t`, which form a prefix. */
  countUpTo(t: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.triggeredAt[middle] as number) <= t) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
