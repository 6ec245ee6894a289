/**
 * A small seeded pseudo-random number generator (mulberry32), so that the simulator's data set is
 * the same every time for the same seed. Not for anything secret: tokens use node:crypto.
 */

/** A deterministic source of random choices. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `length` lowercase hexadecimal digits. */
  hex(length: number): string;
  /** A version-4-looking UUID in Bitbucket's wire form, with braces: `{…}`. */
  uuid(): string;
}

/** Creates a generator; the same seed always yields the same sequence. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;

  // mulberry32: one 32-bit state word, an add and three xor-shift-multiply rounds. Good enough
  // spread for test data, and tiny enough to read.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };

  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));

  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i += 1) out += int(0, 15).toString(16);
    return out;
  };

  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new RangeError('pick() needs a non-empty list');
      return item;
    },
    hex,
    uuid: () => {
      const variant = (8 + int(0, 3)).toString(16);
      return `{${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}}`;
    },
  };
}

/** A 32-bit FNV-1a hash, to derive a separate, stable seed per workspace from its slug. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
