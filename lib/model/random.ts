/**
 * Seeded pseudo-random numbers for training. Every tree gets its own generator seeded from
 * (forest seed, tree index), so a forest is the same whichever thread grows which tree.
 */

/** A 32-bit hash (splitmix32 finaliser): spreads nearby seeds far apart. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed of tree `index` of a forest seeded with `seed`: a non-negative 31-bit integer. */
export function deriveSeed(seed: number, index: number): number {
  return mix32(mix32(seed | 0) ^ Math.imul(index + 1, 0x632be5ab)) & 0x7fffffff;
}

/** A small fast generator (sfc32) with the two draws the trainers need. */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  let a = mix32(seed);
  let b = mix32(a ^ 0x243f6a88);
  let c = mix32(b ^ 0x85a308d3);
  let d = 1;
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next32();
  return {
    next: () => next32() / 4294967296,
    int: (n: number) => Math.floor((next32() / 4294967296) * n),
  };
}
