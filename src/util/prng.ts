/**
 * A small seeded pseudo-random generator (xoshiro128** seeded through splitmix32).
 * Not cryptographic: it exists so simulations and tests are reproducible from one
 * integer seed on every runtime. All arithmetic is 32-bit integer math
 * (Math.imul, >>> 0), so the sequence is identical on Node, Deno and Bun.
 */
export class SeededRandom {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed = 1) {
    this.reseed(seed);
  }

  /** Restart the sequence from `seed` (any finite number; it is reduced to 32 bits). */
  reseed(seed: number): void {
    if (typeof seed !== "number" || !Number.isFinite(seed)) {
      throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
    }
    // splitmix32 spreads even tiny or similar seeds over the whole 128-bit state,
    // and can never produce the all-zero state xoshiro must avoid (checked anyway).
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform integer in [0, bound) for 1 <= bound <= 2^32, without modulo bias. */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 0x100000000) {
      throw new RangeError(`bound must be an integer in 1..2^32, got ${String(bound)}`);
    }
    // Rejection sampling: discard the top partial range so every value is equally likely.
    const limit = 0x100000000 - (0x100000000 % bound);
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % bound;
    }
  }

  /** True with probability `p` (p <= 0 never, p >= 1 always; one draw either way). */
  chance(p: number): boolean {
    return this.nextFloat() < p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
