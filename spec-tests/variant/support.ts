// Helpers shared by the Variant live tests: blob files, and a byte comparison
// that skips string padding (Godot leaves a NodePath name's padding bytes
// uninitialized, so they hold whatever the buffer held before).
import { encodeVariantInto, VariantWriter, type VariantOptions } from "../../src/variant/index.ts";

/** `<u32 LE length><bytes>` repeated: the format the Godot job scripts read and write. */
export function writeBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  const total = blobs.reduce((n, b) => n + 4 + b.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let pos = 0;
  for (const b of blobs) {
    dv.setUint32(pos, b.length, true);
    out.set(b, pos + 4);
    pos += 4 + b.length;
  }
  return out;
}

export function readBlobs(data: Uint8Array): Uint8Array[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos + 4 <= data.length) {
    const n = dv.getUint32(pos, true);
    out.push(data.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return out;
}

/** A writer that remembers where it wrote padding. */
class PaddingRecorder extends VariantWriter {
  readonly padding: [number, number][] = [];
  override pad(fieldLength: number): void {
    const start = this.length;
    super.pad(fieldLength);
    if (this.length > start) this.padding.push([start, this.length]);
  }
}

/** Our encoding of `value` and the byte ranges that are padding in it. */
export function encodeWithPadding(value: unknown, options?: VariantOptions): { bytes: Uint8Array; padding: [number, number][] } {
  const w = new PaddingRecorder();
  encodeVariantInto(w, value, options);
  return { bytes: w.toBytes(), padding: w.padding };
}

/**
 * Null when `theirs` equals our encoding of `value` outside padding bytes,
 * else a description of the first difference.
 */
export function compareIgnoringPadding(value: unknown, theirs: Uint8Array, options?: VariantOptions, offset = 0): string | null {
  const { bytes: ours, padding } = encodeWithPadding(value, options);
  if (ours.length !== theirs.length - offset) return `length ${ours.length} != ${theirs.length - offset}`;
  let range = 0;
  for (let i = 0; i < ours.length; i++) {
    if (ours[i] === theirs[offset + i]) continue;
    while (range < padding.length && padding[range]![1] <= i) range++;
    const r = padding[range];
    if (r !== undefined && r[0] <= i && i < r[1]) continue;
    return `byte ${i}: ours ${hex(ours)} theirs ${hex(theirs.subarray(offset))}`;
  }
  return null;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
