// Hostile input for every decoder: seeded corrupt, truncated, extended and random data, plus
// decompression bombs. Compressor.decompress must never throw, never return more than the
// limit (or an empty result), and finish quickly; the standalone API must throw NetError only.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CompressionMode,
  FileCompressionMode,
  GodotError,
  NetError,
  compress,
  createCompressor,
  decompress,
  decompressDynamic,
  type Compressor,
} from "../../src/index.ts";
import { zlibCompress } from "../../src/compress/deflate.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { CORPUS_KINDS, generate } from "./support/corpus.ts";

const ENET_LIMIT = 4096 - 4;
/**
 * No single decode of a <= 64 KiB input may take this long: a pathological case (a loop the limit
 * does not stop) takes far longer, while an honest one takes well under a millisecond; the margin
 * is for a loaded machine that deschedules the process (the decode is synchronous).
 */
const MAX_CASE_MS = 5000;

function mutate(rng: SeededRandom, valid: Uint8Array): Uint8Array {
  const kind = rng.nextInt(6);
  switch (kind) {
    case 0: {
      const out = valid.slice();
      for (let i = 0; i <= rng.nextInt(6); i++) if (out.length) out[rng.nextInt(out.length)] ^= 1 << rng.nextInt(8);
      return out;
    }
    case 1: {
      const out = valid.slice();
      for (let i = 0; i <= rng.nextInt(4); i++) if (out.length) out[rng.nextInt(out.length)] = rng.nextU32() & 0xff;
      return out;
    }
    case 2:
      return valid.slice(0, rng.nextInt(valid.length + 1));
    case 3: {
      const extra = generate("random", rng, 1 + rng.nextInt(64));
      const out = new Uint8Array(valid.length + extra.length);
      out.set(valid);
      out.set(extra, valid.length);
      return out;
    }
    case 4: {
      // Keep the header (first bytes) valid, randomize the rest.
      const out = valid.slice();
      const keep = Math.min(out.length, 2 + rng.nextInt(12));
      for (let i = keep; i < out.length; i++) out[i] = rng.nextU32() & 0xff;
      return out;
    }
    default:
      return generate("random", rng, rng.nextInt(300));
  }
}

function validSamples(rng: SeededRandom, count: number, maxLength: number, make: (d: Uint8Array) => Uint8Array | null): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (out.length < count) {
    const data = generate(CORPUS_KINDS[rng.nextInt(CORPUS_KINDS.length)]!, rng, 1 + rng.nextInt(maxLength));
    const z = make(data);
    if (z !== null && z.length > 0) out.push(z);
  }
  return out;
}

const ENET_MODES: Array<[string, CompressionMode]> = [
  ["RANGE_CODER", CompressionMode.RANGE_CODER],
  ["FASTLZ", CompressionMode.FASTLZ],
  ["ZLIB", CompressionMode.ZLIB],
  ["ZSTD", CompressionMode.ZSTD],
];

describe("ENet Compressor.decompress on hostile input", () => {
  for (const [name, mode] of ENET_MODES) {
    test(`${name}: 5,000 corrupt/truncated/random datagrams never throw, never exceed the limit`, () => {
      const rng = new SeededRandom(0xf022 + mode);
      const compressor: Compressor = createCompressor(mode)!;
      const samples = validSamples(rng, 60, 1400, (d) => createCompressor(mode)!.compress(d, 8192));
      let rejected = 0;
      let slowest = 0;
      for (let i = 0; i < 5000; i++) {
        const input = mutate(rng, samples[rng.nextInt(samples.length)]!);
        const limit = rng.chance(0.2) ? rng.nextInt(64) : ENET_LIMIT;
        const started = performance.now();
        const out = compressor.decompress(input, limit);
        slowest = Math.max(slowest, performance.now() - started);
        if (out === null) rejected++;
        else {
          assert.ok(out instanceof Uint8Array);
          assert.ok(out.length > 0 && out.length <= limit, `case ${i}: ${out.length} bytes for limit ${limit}`);
        }
      }
      assert.ok(rejected > 500, `only ${rejected} rejected: the mutations are not reaching the decoder`);
      assert.ok(slowest < MAX_CASE_MS, `slowest case took ${slowest.toFixed(1)} ms`);
      // The decoder is still healthy afterwards.
      const data = generate("text", rng, 1000);
      assert.deepEqual(compressor.decompress(compressor.compress(data, 1000)!, ENET_LIMIT), data);
    });
  }

  test("bad limits and non-byte input give null, not exceptions", () => {
    for (const [, mode] of ENET_MODES) {
      const c = createCompressor(mode)!;
      const z = c.compress(new Uint8Array(500), 500)!;
      assert.ok(z !== null);
      for (const limit of [0, -1, NaN, 0.5]) assert.equal(c.decompress(z, limit), null, `mode ${mode}, limit ${limit}`);
      assert.equal(c.decompress(undefined as unknown as Uint8Array, 100), null);
      assert.equal(c.compress(new Uint8Array(500), 0), null);
    }
  });
});

describe("decompression bombs", () => {
  const zeros = new Uint8Array(8 * 1024 * 1024);

  test("zlib: 4 MiB of zeros in ~4 KiB is refused at the ENet limit", () => {
    const bomb = zlibCompress(zeros.subarray(0, 4 << 20), 9);
    assert.ok(bomb.length < 16_384);
    assert.equal(createCompressor(CompressionMode.ZLIB)!.decompress(bomb, ENET_LIMIT), null);
    assert.throws(() => decompressDynamic(bomb, 1 << 20, FileCompressionMode.COMPRESSION_DEFLATE), isInvalidData);
    assert.equal(decompressDynamic(bomb, -1, FileCompressionMode.COMPRESSION_DEFLATE).length, 4 << 20);
  });

  test("zlib/gzip: a large bomb is refused past the limit (bounded and streaming paths)", () => {
    // Limits over 1 MiB stream through fflate: 20 MiB of zeros in ~20 KiB, refused past 4 MiB.
    const big = new Uint8Array(20 * 1024 * 1024);
    const bomb = compress(big, FileCompressionMode.COMPRESSION_GZIP, { level: 1 });
    assert.throws(() => decompressDynamic(bomb, 4 << 20, FileCompressionMode.COMPRESSION_GZIP), isInvalidData);
    // Limits up to 1 MiB use the bounded inflater, which stops at the limit.
    assert.throws(() => decompressDynamic(bomb, 1 << 20, FileCompressionMode.COMPRESSION_GZIP), isInvalidData);
    assert.equal(decompressDynamic(bomb, -1, FileCompressionMode.COMPRESSION_GZIP).length, big.length);
  });

  test("zstd: declared sizes and windows beyond the limit are refused before decoding", () => {
    const bomb = compress(zeros, FileCompressionMode.COMPRESSION_ZSTD);
    assert.equal(createCompressor(CompressionMode.ZSTD)!.decompress(bomb, ENET_LIMIT), null);
    assert.throws(() => decompress(bomb, zeros.length - 1, FileCompressionMode.COMPRESSION_ZSTD), isInvalidData);
    assert.equal(decompress(bomb, zeros.length, FileCompressionMode.COMPRESSION_ZSTD).length, zeros.length);
    // A hand-built frame without a content size: window 1 KiB, RLE blocks of 1 KiB each, 10,000 of them.
    const blocks = 10_000;
    const frame = new Uint8Array(4 + 2 + blocks * 4);
    frame.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]); // magic, FHD (no size, not single segment), window 1 KiB
    for (let b = 0; b < blocks; b++) {
      const header = ((1024 << 3) | (1 << 1) | (b === blocks - 1 ? 1 : 0)) >>> 0;
      frame.set([header & 0xff, (header >>> 8) & 0xff, header >>> 16, 0x41], 6 + b * 4);
    }
    assert.equal(decompressDynamic(frame, -1, FileCompressionMode.COMPRESSION_ZSTD).length, blocks * 1024);
    assert.equal(createCompressor(CompressionMode.ZSTD)!.decompress(frame, ENET_LIMIT), null);
    assert.throws(() => decompressDynamic(frame, 100_000, FileCompressionMode.COMPRESSION_ZSTD), isInvalidData);
  });

  test("FastLZ: long runs are refused at the limit without decoding them", () => {
    const bomb = compress(zeros.subarray(0, 1 << 20), FileCompressionMode.COMPRESSION_FASTLZ);
    assert.equal(createCompressor(CompressionMode.FASTLZ)!.decompress(bomb, ENET_LIMIT), null);
    assert.throws(() => decompressDynamic(bomb, 1000, FileCompressionMode.COMPRESSION_FASTLZ), isInvalidData);
    assert.equal(decompressDynamic(bomb, 1 << 20, FileCompressionMode.COMPRESSION_FASTLZ).length, 1 << 20);
  });

  test("range coder: output stops at the limit", () => {
    const c = createCompressor(CompressionMode.RANGE_CODER)!;
    const z = c.compress(new Uint8Array(4000), 4000)!;
    assert.equal(c.decompress(z, 3999), null);
    assert.equal(c.decompress(z, 4000)!.length, 4000);
  });
});

function isInvalidData(e: unknown): boolean {
  return e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA;
}

describe("standalone decompress on hostile input", () => {
  const MODES = [
    FileCompressionMode.COMPRESSION_FASTLZ,
    FileCompressionMode.COMPRESSION_DEFLATE,
    FileCompressionMode.COMPRESSION_ZSTD,
    FileCompressionMode.COMPRESSION_GZIP,
  ];
  for (const mode of MODES) {
    test(`${FileCompressionMode[mode]}: 1,500 hostile inputs throw only NetError ERR_INVALID_DATA`, () => {
      const rng = new SeededRandom(0x57a0 + mode);
      const samples = validSamples(rng, 40, 20_000, (d) => compress(d, mode));
      let thrown = 0;
      for (let i = 0; i < 1500; i++) {
        const input = mutate(rng, samples[rng.nextInt(samples.length)]!);
        const limit = rng.chance(0.5) ? 1 + rng.nextInt(30_000) : -1;
        try {
          const out = limit === -1 ? decompressDynamic(input, -1, mode) : decompress(input, limit, mode);
          assert.ok(out instanceof Uint8Array);
          if (limit !== -1) assert.ok(out.length <= Math.max(limit, 16));
        } catch (e) {
          assert.ok(isInvalidData(e), `case ${i}: unexpected ${String(e)}`);
          thrown++;
        }
      }
      assert.ok(thrown > 200, `only ${thrown} inputs were rejected`);
    });
  }

  test("arguments are checked with RangeError/TypeError naming them", () => {
    const z = compress(new Uint8Array(100));
    assert.throws(() => decompress(z, 0), /bufferSize/);
    assert.throws(() => decompress(z, 1.5), RangeError);
    assert.throws(() => decompressDynamic(z, -2), /maxOutputSize/);
    assert.throws(() => compress(z, 4 as FileCompressionMode), /mode/);
    assert.throws(() => compress("abc" as unknown as Uint8Array), TypeError);
    assert.throws(() => compress(z, FileCompressionMode.COMPRESSION_DEFLATE, { level: 10 }), /level/);
    assert.throws(() => decompress(new Uint8Array(0), 10), isInvalidData);
    assert.deepEqual(compress(new Uint8Array(0), FileCompressionMode.COMPRESSION_ZSTD), new Uint8Array(0));
  });
});

describe("zstd sequence check agrees with fzstd", () => {
  test("on 4,000 frames with corrupted block contents, every block the check accepts comes out of fzstd at the predicted size", async () => {
    const { inspectZstdFrame } = await import("../../src/compress/zstd/decoder.ts");
    const { Decompress } = await import("fzstd");
    const rng = new SeededRandom(0x5e0c);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const data = generate(CORPUS_KINDS[i % CORPUS_KINDS.length]!, rng, 200 + rng.nextInt(20_000));
      frames.push(compress(data, FileCompressionMode.COMPRESSION_ZSTD, { level: 1 + (i % 19) }));
    }
    let accepted = 0;
    let agreed = 0;
    for (let i = 0; i < 4000; i++) {
      const frame = frames[rng.nextInt(frames.length)]!.slice();
      // Corrupt only past the frame header, where the block contents are.
      for (let f = 0; f <= rng.nextInt(3); f++) {
        const at = 6 + rng.nextInt(Math.max(1, frame.length - 6));
        if (at < frame.length) frame[at] ^= 1 << rng.nextInt(8);
      }
      const info = inspectZstdFrame(frame, 0);
      if (info === null) continue;
      accepted++;
      const sizes: number[] = [];
      try {
        new Decompress((chunk: Uint8Array, final?: boolean) => {
          if (!(final && chunk.length === 0)) sizes.push(chunk.length);
        }).push(frame.subarray(0, info.end), true);
      } catch {
        continue; // fzstd rejects it too: fine
      }
      assert.deepEqual(sizes, info.blockSizes, `frame ${i}`);
      agreed++;
    }
    assert.ok(accepted > 100, `only ${accepted} corrupted frames passed the check`);
    assert.ok(agreed > 50, `only ${agreed} were decoded by fzstd`);
  });
});
