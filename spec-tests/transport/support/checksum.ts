/** Order-sensitive running checksum (FNV-1a, 32 bit) plus a byte count, fed chunk by chunk. */
export class RunningChecksum {
  private h = 0x811c9dc5;
  length = 0;
  update(chunk: Uint8Array): void {
    let h = this.h;
    for (let i = 0; i < chunk.length; i++) {
      h ^= chunk[i];
      h = Math.imul(h, 0x01000193);
    }
    this.h = h >>> 0;
    this.length += chunk.length;
  }
  get value(): number {
    return this.h >>> 0;
  }
}

/** Deterministic pseudo-random bytes (xorshift32), so a corrupted or reordered byte changes the checksum. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
