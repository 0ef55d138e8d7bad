/**
 * The largest typed array V8 keeps on its own heap (its typed_array_max_size_in_heap); JavaScriptCore
 * keeps small ones inline too. A fresh array up to this size costs about as little as a view;
 * a larger one needs an off-heap backing store, which on Node 20 costs a malloc and a free on
 * V8's sweeper thread (1.4-3.6 us measured on a 2-core VM, more than a whole ENet packet's
 * protocol work).
 */
export const SMALL_ARRAY_MAX = 64;

/**
 * Whether received bytes of `length` should be handed out as a view of the buffer they arrived in
 * (of `bufferBytes`) rather than copied: only when a copy would be off-heap (over SMALL_ARRAY_MAX)
 * and the view keeps alive at most `maxRatio` times its own size, since the receive limits count
 * only its own bytes.
 */
export function viewInsteadOfCopy(length: number, bufferBytes: number, maxRatio: number): boolean {
  return length > SMALL_ARRAY_MAX && length * maxRatio >= bufferBytes;
}

/**
 * A copy of `source[start, end)` with an ArrayBuffer of its own, always a plain Uint8Array.
 *
 * Not `source.slice()`: on a Node or Bun `Buffer`, `slice()` returns a view of the same memory,
 * so a "copy" of an application's Buffer would change when the application reuses it. Every
 * copy of bytes that may come from the application goes through here.
 */
export function copyBytes(source: Uint8Array, start = 0, end = source.length): Uint8Array<ArrayBuffer> {
  const from = Math.max(0, Math.min(start, source.length));
  const to = Math.max(from, Math.min(end, source.length));
  // The copying constructor: about 140 instructions fewer than allocating and then set() (callgrind,
  // 64 B, Node 20), and it copies from a Buffer too.
  if (from === 0 && to === source.length) return new Uint8Array(source);
  const out = new Uint8Array(to - from);
  out.set(source.subarray(from, to));
  return out;
}

/**
 * `bytes` as a plain Uint8Array over the same memory (itself when it already is one). A sans-IO
 * core reads its input through this, so the `slice()`s it keeps of that input are copies even
 * when the caller passed a Node or Bun Buffer, whose own `slice()` is a view.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The parts one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
