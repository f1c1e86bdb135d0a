/**
 * A small seeded PRNG (mulberry32) for reproducible random and mutation fuzzing.
 * Same seed → same sequence on every machine, so a failing fuzz case can be replayed.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `n` random bytes. */
  bytes(n: number): Buffer;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    bytes: (n) => {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

/** The PRNG of input `index` of a run seeded `seed`: each input depends on (seed, index) only. */
export function inputPrng(seed: number, index: number): Prng {
  return createPrng((Math.imul(index + 1, 0x9e3779b1) ^ seed) >>> 0);
}

/** FUZZ_REPLAY=idx: the one input index to run, or undefined for a whole run. */
export function fuzzReplayIndex(): number | undefined {
  const value = process.env.FUZZ_REPLAY;
  return value === undefined || value === '' ? undefined : Number(value);
}

/** The input indices a fuzz run goes through: 0..count-1, or only FUZZ_REPLAY's. */
export function fuzzIndices(count: number): number[] {
  const replay = fuzzReplayIndex();
  return replay === undefined ? Array.from({ length: count }, (_, i) => i) : [replay];
}
