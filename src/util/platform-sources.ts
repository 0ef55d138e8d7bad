/**
 * The platform's nondeterministic sources, in one place: the Web Crypto CSPRNG (present on
 * Node, Deno, Bun and browsers) and the wall clock. Sans-IO cores never call these directly;
 * they take a source as an option and fall back to these defaults, so a test can inject a
 * seeded one and replay a run. spec-tests/architecture/layering.test.ts holds cores to that.
 */

/** Fill `dst` with cryptographically random bytes (Web Crypto caps one call at 65,536 bytes). */
export function secureRandomFill<T extends Uint8Array>(dst: T): T {
  for (let at = 0; at < dst.length; at += 65536) globalThis.crypto.getRandomValues(dst.subarray(at, Math.min(dst.length, at + 65536)));
  return dst;
}

/** `length` fresh cryptographically random bytes. */
export function secureRandomBytes(length: number): Uint8Array<ArrayBuffer> {
  return secureRandomFill(new Uint8Array(length));
}

const word = new Uint32Array(1);
/** One cryptographically random unsigned 32-bit integer. */
export function secureRandomU32(): number {
  globalThis.crypto.getRandomValues(word);
  return word[0] ?? 0;
}

/** Milliseconds since the Unix epoch (certificate validity checks). */
export function wallClockNow(): number {
  return Date.now();
}
