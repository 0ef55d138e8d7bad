/**
 * FastLZ (the byte-aligned LZ77 format of FastLZ 0.5.0, as vendored by Godot),
 * levels 1 and 2. The format, from FastLZ's documentation and decoder:
 *
 * - The top 3 bits of the first byte give the level minus one; the first
 *   instruction is always a literal run, so its low 5 bits are the run length.
 * - Literal run: ctrl 0..31 = (count - 1), then `count` bytes.
 * - Match, level 1: ctrl = (L << 5) | (distance-1 >> 8), L in 1..7; L = 7 adds
 *   one extra length byte; then the low byte of (distance - 1). Match length is
 *   L + 2 (+ extra byte). Distances up to 8192.
 * - Match, level 2: as level 1 but the extra length is a run of bytes ending at
 *   the first one below 255, and distance-1 = 8191 + a 16-bit big-endian value
 *   when the low distance byte is 255 with high bits 31 ("far" matches, up to
 *   65535 + 8192).
 *
 * The encoder is our own greedy hash-chain-free matcher; its output differs from
 * the C FastLZ encoder's but every FastLZ decoder reads it.
 */

/**
 * The format's constants as a const enum so the hot loops get literals (a
 * module-level const is a context-slot load per use in V8 once bundled).
 */
const enum Lz {
  MAX_COPY = 32,
  /** Longest match one level-1 instruction carries (7 + 255 + 2). */
  L1_MAX_LEN = 264,
  MAX_L1_DISTANCE = 8192,
  MAX_L2_DISTANCE = 8191,
  /** Farthest level-2 match: 16-bit offset past MAX_L2_DISTANCE. */
  MAX_FAR_DISTANCE = 65535 + MAX_L2_DISTANCE + 1,
  /** Godot uses level 1 below this input size and level 2 from it on. */
  LEVEL2_THRESHOLD = 65536,
  MIN_MATCH = 3,
  /** A far match costs 4+ bytes, so it must be longer than that to pay. */
  MIN_FAR_MATCH = 5,
  MAX_HASH_LOG = 14,
  MIN_HASH_LOG = 8,
  /** Matches up to this length are copied byte by byte; longer ones with copyWithin. */
  SHORT_COPY = 64,
}

export const FASTLZ_MAX_COPY = Lz.MAX_COPY;
export const FASTLZ_L1_MAX_LEN = Lz.L1_MAX_LEN;
export const FASTLZ_MAX_L1_DISTANCE = Lz.MAX_L1_DISTANCE;
export const FASTLZ_MAX_L2_DISTANCE = Lz.MAX_L2_DISTANCE;
export const FASTLZ_MAX_FAR_DISTANCE = Lz.MAX_FAR_DISTANCE;
export const FASTLZ_LEVEL2_THRESHOLD = Lz.LEVEL2_THRESHOLD;

/** Largest possible compressed size for `length` input bytes (all literals). */
export function fastlzCompressBound(length: number): number {
  return length + Math.ceil(length / Lz.MAX_COPY) + 1;
}

/**
 * Hash table shared by every call (JS is single-threaded and compression never
 * re-enters). Entries hold `position + hashBase`; each call moves hashBase past
 * every position the previous one could have stored, so older entries read as
 * negative positions ("empty") and the table never needs clearing per datagram.
 */
let hashTable = new Int32Array(1 << Lz.MIN_HASH_LOG);
let hashBase = 1;
/** Clear for real once hashBase gets near the int32 limit. */
const HASH_BASE_LIMIT = 1 << 30;

/**
 * Compress `input` at `level` (1 or 2) into `out` (at least
 * fastlzCompressBound(input.length) bytes). Returns the compressed length
 * (0 for empty input, as FastLZ does).
 */
export function fastlzCompressInto(input: Uint8Array, out: Uint8Array, level: 1 | 2): number {
  const length = input.length;
  if (length === 0) return 0;
  let hashLog = Lz.MIN_HASH_LOG;
  while (hashLog < Lz.MAX_HASH_LOG && 1 << hashLog < length) hashLog++;
  const hashShift = 32 - hashLog;
  if (hashTable.length < 1 << hashLog) hashTable = new Int32Array(1 << hashLog);
  const table = hashTable;
  if (hashBase > HASH_BASE_LIMIT - length) {
    table.fill(0);
    hashBase = 1;
  }
  const base = hashBase;
  hashBase += length;

  const maxDistance = level === 1 ? Lz.MAX_L1_DISTANCE : Lz.MAX_FAR_DISTANCE;
  let op = 0;
  let literalStart = 0;
  // The first instruction must be a literal (its ctrl byte also carries the level).
  let ip = 1;
  const matchLimit = length - Lz.MIN_MATCH;
  // The 3 bytes at ip, rolled forward one byte per step.
  let seq = ip <= matchLimit ? input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16) : 0;
  while (ip <= matchLimit) {
    const h = Math.imul(seq, 0x9e3779b1) >>> hashShift;
    const candidate = table[h]! - base;
    table[h] = ip + base;
    const distance = ip - candidate;
    if (
      candidate < 0 ||
      distance > maxDistance ||
      (input[candidate]! | (input[candidate + 1]! << 8) | (input[candidate + 2]! << 16)) !== seq
    ) {
      ip++;
      if (ip <= matchLimit) seq = (seq >>> 8) | (input[ip + 2]! << 16);
      continue;
    }
    let matchEnd = ip + Lz.MIN_MATCH;
    let ref = candidate + Lz.MIN_MATCH;
    while (matchEnd < length && input[matchEnd] === input[ref]) {
      matchEnd++;
      ref++;
    }
    if (level === 2 && distance > Lz.MAX_L2_DISTANCE) {
      // FastLZ 0.5.0's decoder (Godot's) wants a byte after a far match's offset, so
      // a far match must not end the stream.
      if (matchEnd === length) matchEnd--;
      if (matchEnd - ip < Lz.MIN_FAR_MATCH) {
        ip++;
        if (ip <= matchLimit) seq = (seq >>> 8) | (input[ip + 2]! << 16);
        continue;
      }
    }
    const matchLength = matchEnd - ip;
    op = writeLiterals(input, literalStart, ip, out, op);
    op = level === 1 ? writeMatchL1(out, op, matchLength, distance) : writeMatchL2(out, op, matchLength, distance);
    // Index the last positions of the match so the next search can find them.
    for (let p = Math.max(ip + 1, matchEnd - 2); p < matchEnd && p <= matchLimit; p++) {
      const s = input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16);
      table[Math.imul(s, 0x9e3779b1) >>> hashShift] = p + base;
    }
    ip = matchEnd;
    literalStart = ip;
    if (ip <= matchLimit) seq = input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16);
  }
  op = writeLiterals(input, literalStart, length, out, op);
  if (level === 2) out[0]! |= 1 << 5;
  return op;
}

function writeLiterals(input: Uint8Array, start: number, end: number, out: Uint8Array, op: number): number {
  while (start < end) {
    const run = Math.min(Lz.MAX_COPY, end - start);
    out[op++] = run - 1;
    // A byte loop: runs are at most 32 bytes, too short to pay for a subarray and set().
    for (let k = 0; k < run; k++) out[op + k] = input[start + k]!;
    op += run;
    start += run;
  }
  return op;
}

function writeMatchL1(out: Uint8Array, op: number, length: number, distance: number): number {
  const d = distance - 1;
  let remaining = length;
  // A match longer than one instruction carries continues at the same distance.
  while (remaining > 0) {
    let len = Math.min(remaining, Lz.L1_MAX_LEN);
    // Never leave a tail shorter than a minimal match.
    if (remaining - len > 0 && remaining - len < Lz.MIN_MATCH) len = remaining - Lz.MIN_MATCH;
    if (len <= 8) {
      out[op++] = ((len - 2) << 5) | (d >>> 8);
    } else {
      out[op++] = (7 << 5) | (d >>> 8);
      out[op++] = len - 9;
    }
    out[op++] = d & 255;
    remaining -= len;
  }
  return op;
}

function writeMatchL2(out: Uint8Array, op: number, length: number, distance: number): number {
  const d = distance - 1;
  const far = d >= Lz.MAX_L2_DISTANCE;
  const high = far ? 31 : d >>> 8;
  if (length <= 8) {
    out[op++] = ((length - 2) << 5) | high;
  } else {
    out[op++] = (7 << 5) | high;
    let extra = length - 9;
    while (extra >= 255) {
      out[op++] = 255;
      extra -= 255;
    }
    out[op++] = extra;
  }
  if (far) {
    const farOffset = d - Lz.MAX_L2_DISTANCE;
    out[op++] = 255;
    out[op++] = farOffset >>> 8;
    out[op++] = farOffset & 255;
  } else {
    out[op++] = d & 255;
  }
  return op;
}

/**
 * Decompress a FastLZ block (level read from its first byte) into
 * `out[0..limit)`. Returns the decompressed length, or -1 when the input is
 * empty, names an unknown level, is truncated, refers before the start of the
 * output, or would produce more than `limit` bytes. Work is bounded by the
 * input length plus `limit`.
 */
export function fastlzDecompressInto(input: Uint8Array, out: Uint8Array, limit: number): number {
  const n = input.length;
  if (n === 0) return -1;
  const outLimit = Math.min(limit, out.length);
  const level = (input[0]! >>> 5) + 1;
  if (level !== 1 && level !== 2) return -1;
  let ip = 1;
  let op = 0;
  let ctrl = input[0]! & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      const high = (ctrl & 31) << 8;
      let distance: number;
      if (level === 1) {
        if (len === 6) {
          if (ip >= n) return -1;
          len += input[ip++]!;
        }
        if (ip >= n) return -1;
        distance = high + input[ip++]! + 1;
      } else {
        if (len === 6) {
          let code: number;
          do {
            if (ip >= n) return -1;
            code = input[ip++]!;
            len += code;
          } while (code === 255);
        }
        if (ip >= n) return -1;
        const code = input[ip++]!;
        distance = high + code + 1;
        if (code === 255 && high === 31 << 8) {
          if (ip + 2 > n) return -1;
          distance = ((input[ip]! << 8) | input[ip + 1]!) + Lz.MAX_L2_DISTANCE + 1;
          ip += 2;
        }
      }
      len += 3;
      if (op + len > outLimit || distance > op) return -1;
      let ref = op - distance;
      if (distance >= len && len > Lz.SHORT_COPY) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        // Short or overlapping: a byte loop (an overlapping copy repeats the last `distance` bytes).
        const end = op + len;
        while (op < end) out[op++] = out[ref++]!;
      }
    } else {
      const run = ctrl + 1;
      if (ip + run > n || op + run > outLimit) return -1;
      // Literal runs are at most 32 bytes: a byte loop beats subarray() + set().
      for (let k = 0; k < run; k++) out[op + k] = input[ip + k]!;
      ip += run;
      op += run;
    }
    // Level 1 stops when fewer than two bytes remain (as FastLZ's decoder does).
    if (level === 1 ? ip > n - 2 : ip >= n) break;
    ctrl = input[ip++]!;
  }
  return op;
}

/**
 * The length `input` decompresses to, found by walking its instructions without
 * copying, or -1 when it is malformed in any way fastlzDecompressInto would
 * reject. Lets callers allocate exactly (e.g. for a dynamic-size decompress).
 */
export function fastlzDecodedLength(input: Uint8Array): number {
  const n = input.length;
  if (n === 0) return -1;
  const level = (input[0]! >>> 5) + 1;
  if (level !== 1 && level !== 2) return -1;
  let ip = 1;
  let op = 0;
  let ctrl = input[0]! & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      const high = (ctrl & 31) << 8;
      let distance: number;
      if (level === 1) {
        if (len === 6) {
          if (ip >= n) return -1;
          len += input[ip++]!;
        }
        if (ip >= n) return -1;
        distance = high + input[ip++]! + 1;
      } else {
        if (len === 6) {
          let code: number;
          do {
            if (ip >= n) return -1;
            code = input[ip++]!;
            len += code;
          } while (code === 255);
        }
        if (ip >= n) return -1;
        const code = input[ip++]!;
        distance = high + code + 1;
        if (code === 255 && high === 31 << 8) {
          if (ip + 2 > n) return -1;
          distance = ((input[ip]! << 8) | input[ip + 1]!) + Lz.MAX_L2_DISTANCE + 1;
          ip += 2;
        }
      }
      if (distance > op) return -1;
      op += len + 3;
    } else {
      const run = ctrl + 1;
      if (ip + run > n) return -1;
      ip += run;
      op += run;
    }
    if (level === 1 ? ip > n - 2 : ip >= n) break;
    ctrl = input[ip++]!;
  }
  return op;
}
