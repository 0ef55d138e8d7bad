/** A reusable output buffer that grows to the largest size asked for (never shrinks). */
export class GrowableScratch {
  private buffer = new Uint8Array(0);

  /** At least `size` bytes, or null when the runtime cannot allocate them (so callers can fail softly). */
  get(size: number): Uint8Array | null {
    if (this.buffer.length < size) {
      try {
        this.buffer = new Uint8Array(size);
      } catch {
        return null;
      }
    }
    return this.buffer;
  }
}

/** An output limit as a non-negative integer; NaN, negatives and non-numbers become 0 ("nothing fits"). */
export function checkedLimit(outLimit: number): number {
  if (typeof outLimit !== "number" || !(outLimit > 0)) return 0;
  return Math.floor(Math.min(outLimit, 0x7fffffff));
}

export function totalLength(input: Uint8Array | readonly Uint8Array[]): number {
  if (input instanceof Uint8Array) return input.length;
  let n = 0;
  for (let i = 0; i < input.length; i++) n += input[i]!.length;
  return n;
}

/** The concatenation of `input` (the same array when it is a single buffer). */
export function gather(input: Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input.length === 1) return input[0]!;
  const out = new Uint8Array(totalLength(input));
  let pos = 0;
  for (let i = 0; i < input.length; i++) {
    out.set(input[i]!, pos);
    pos += input[i]!.length;
  }
  return out;
}
