/**
 * Incremental UTF-8 validation (RFC 3629) that fails on the first byte that
 * cannot start or continue a well-formed sequence, so a text message split
 * across frames or chunks is rejected as soon as the bad byte arrives
 * (RFC 6455 section 8.1 asks for this "fail fast" behaviour).
 *
 * Instead of a lookup table, the state is "how many continuation bytes are still
 * needed" plus the allowed range of the *next* byte. The range is narrower than
 * 0x80..0xBF right after E0 (no overlongs), ED (no surrogates), F0 (no overlongs)
 * and F4 (nothing above U+10FFFF).
 */
export class Utf8Validator {
  private need = 0;
  private lo = 0x80;
  private hi = 0xbf;

  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  /** True when everything seen so far ends on a code point boundary. */
  get complete(): boolean {
    return this.need === 0;
  }

  /** Feed bytes [start, end). Returns false at the first invalid byte (state is then undefined until reset). */
  update(bytes: Uint8Array, start: number, end: number): boolean {
    let need = this.need;
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    while (i < end) {
      const b = bytes[i++];
      if (b === undefined) return false; // `end` past the buffer
      if (need === 0) {
        if (b < 0x80) {
          // ASCII run: the common case. Runs that are still going after 16 bytes
          // (long ASCII text) are checked four bytes at a time.
          const probeEnd = Math.min(end, i + 16);
          while (i < probeEnd && isAscii(bytes[i])) i++;
          if (i === probeEnd && end - i >= ASCII_WORD_MIN) i = skipAsciiWords(bytes, i, end);
          while (i < end && isAscii(bytes[i])) i++;
          continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
          need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0) lo = 0xa0;
          else if (b === 0xed) hi = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0) lo = 0x90;
          else if (b === 0xf4) hi = 0x8f;
        } else {
          return false; // 0x80..0xC1 (stray continuation / overlong lead) or 0xF5..0xFF
        }
      } else {
        if (b < lo || b > hi) return false;
        lo = 0x80;
        hi = 0xbf;
        need--;
      }
    }
    this.need = need;
    this.lo = lo;
    this.hi = hi;
    return true;
  }
}

/** Below this many bytes the word loop's setup (a typed-array view) costs more than it saves. */
const ASCII_WORD_MIN = 64;

/** An ASCII byte (a read past the end is not one, so the scan stops there). */
function isAscii(b: number | undefined): boolean {
  return b !== undefined && b < 0x80;
}

/** Index of the first aligned word in bytes[i..end) containing a non-ASCII byte (or the aligned tail start). */
function skipAsciiWords(bytes: Uint8Array, i: number, end: number): number {
  while (((bytes.byteOffset + i) & 3) !== 0) {
    if (!isAscii(bytes[i])) return i;
    i++;
  }
  const words = (end - i) >>> 2;
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
  let w = 0;
  for (let word = view[w]; word !== undefined && (word & 0x80808080) === 0; word = view[w]) w++;
  return i + (w << 2);
}

/** Whole-buffer check: well-formed and complete. */
export function isValidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const v = new Utf8Validator();
  return v.update(bytes, start, end) && v.complete;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode bytes already known to be valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
