/**
 * Seeded randomness for the sandbox world. Everything the world contains is
 * drawn from these generators, so the same seed always yields the same world.
 */

/** Mixes 32-bit words into one well-spread 32-bit hash (murmur3 finalizer). */
export function hashWords(...words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a string to a 32-bit word, for naming generator streams. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A small fast PRNG (sfc32) with the draws the world generator needs. Each
 * part of the world uses its own stream, named by a label, so adding draws to
 * one part does not shift the values of another.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, label: string) {
    const labelHash = hashString(label);
    this.a = hashWords(seed, labelHash, 1);
    this.b = hashWords(seed, labelHash, 2);
    this.c = hashWords(seed, labelHash, 3);
    this.d = 1;
    for (let i = 0; i < 12; i += 1) this.next();
  }

  /** Draws a uniform float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Draws a uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined)
      throw new RangeError('cannot pick from an empty list');
    return item;
  }

  /** Draws an index with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) total += weight;
    let target = this.next() * total;
    for (let i = 0; i < weights.length; i += 1) {
      target -= weights[i] ?? 0;
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  /** Draws from the standard normal distribution (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Draws from a log-normal distribution with this median and log sigma. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

/** Formats four 32-bit words as a version 4 UUID. */
function formatUuid(w0: number, w1: number, w2: number, w3: number): string {
  const hex = (word: number) => word.toString(16).padStart(8, '0');
  const versioned = ((w1 & 0xffff0fff) | 0x00004000) >>> 0;
  const variant = ((w2 & 0x3fffffff) | 0x80000000) >>> 0;
  const a = hex(w0);
  const b = hex(versioned);
  const c = hex(variant);
  const d = hex(w3);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/**
 * A UUID that is a pure function of (seed, kind, index), so records need not
 * store their ids: the id of overlap 12 is recomputed whenever it is shown.
 */
export function uuidFor(seed: number, kind: string, index: number): string {
  const kindHash = hashString(kind);
  return formatUuid(
    hashWords(seed, kindHash, index, 1),
    hashWords(seed, kindHash, index, 2),
    hashWords(seed, kindHash, index, 3),
    hashWords(seed, kindHash, index, 4),
  );
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * Builds an 18-character Salesforce-style id: a 3-character key prefix (`001`
 * accounts, `00Q` leads, `005` users, `006` opportunities), a pod part, a
 * base-62 serial, and Salesforce's 3-character case checksum.
 */
export function salesforceId(keyPrefix: string, serial: number): string {
  let digits = '';
  // 7919 is coprime with 62^7, so the scramble keeps serials distinct while
  // spreading upper-case letters over the id, as real ids have.
  let rest = (serial * 7919 + 238_328) % 62 ** 7;
  for (let i = 0; i < 7; i += 1) {
    digits = BASE62.charAt(rest % 62) + digits;
    rest = Math.floor(rest / 62);
  }
  const id15 = `${keyPrefix}5g000${digits}`;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const char = id15.charAt(chunk * 5 + i);
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET.charAt(bits);
  }
  return id15 + suffix;
}
