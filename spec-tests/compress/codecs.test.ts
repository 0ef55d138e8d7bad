// Format details of each codec that the interop tests only touch indirectly: FastLZ levels,
// padding and instruction forms, ENet's no-gain rule, zlib/gzip container checks, zstd frame rules.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CompressionMode,
  DECOMPRESS_DYNAMIC_HARD_CAP,
  FileCompressionMode,
  compress,
  createCompressor,
  decompress,
  decompressDynamic,
} from "../../src/index.ts";
import { deflateRawCompress, gzipDecompressBounded, zlibCompress, zlibDecompressBounded } from "../../src/compress/deflate.ts";
import { fastlzCompressBound, fastlzCompressInto, fastlzDecodedLength, fastlzDecompressInto } from "../../src/compress/fastlz.ts";
import { zstdDecompressBounded } from "../../src/compress/zstd/decoder.ts";
import { crc32 } from "../../src/util/crc32.ts";
import { xxh64Low32 } from "../../src/compress/zstd/xxh64.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { generate } from "./support/corpus.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("FastLZ", () => {
  test("decodes a block Godot 3.2.3 produced (literal run, long level-1 match, literal run)", () => {
    const godot = Uint8Array.from([0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0xe0, 0x0b, 0x05, 0x02, 0x6c, 0x6c, 0x6f]);
    assert.deepEqual(decompress(godot, 29), ascii("hello hello hello hello hello"));
    assert.equal(fastlzDecodedLength(godot), 29);
  });

  test("level 1 below 64 KiB, level 2 from 64 KiB (the level lives in the first byte's top bits)", () => {
    const rng = new SeededRandom(11);
    const small = generate("pattern", rng, 65_535);
    const large = generate("pattern", rng, 65_536);
    assert.equal(compress(small)[0]! >>> 5, 0);
    assert.equal(compress(large)[0]! >>> 5, 1);
    assert.deepEqual(decompress(compress(small), small.length), small);
    assert.deepEqual(decompress(compress(large), large.length), large);
  });

  test("Godot pads inputs under 16 bytes with zeros; a bufferSize under 16 gets the first bytes", () => {
    const z = compress(Uint8Array.from([7, 8, 9]));
    assert.deepEqual(decompressDynamic(z, -1), Uint8Array.from([7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(decompress(z, 3), Uint8Array.from([7, 8, 9]));
    assert.deepEqual(decompress(z, 2), Uint8Array.from([7, 8]));
    // Through ENet the padding arrives too (ENet's command parser stops at the zero bytes).
    const enet = createCompressor(CompressionMode.FASTLZ)!;
    assert.equal(enet.decompress(enet.compress(Uint8Array.from([7, 8, 9]), 100)!, 4092)!.length, 16);
  });

  test("long and far matches round-trip at both levels; every stream opens with a literal run", () => {
    const rng = new SeededRandom(12);
    const chunk = generate("random", rng, 3000);
    const data = new Uint8Array(160_000);
    // Repeats at distances 3,000 (near) and 75,000+ (beyond level 2's 16-bit far range) and runs.
    for (let i = 0; i < data.length; i++) data[i] = i % 40_000 < 30_000 ? chunk[i % 3000]! : (i >> 9) & 0xff;
    for (const level of [1, 2] as const) {
      const out = new Uint8Array(fastlzCompressBound(data.length));
      const n = fastlzCompressInto(data, out, level);
      assert.ok(n < data.length / 4, `level ${level}: ${n} bytes`);
      assert.ok((out[0]! & 31) < 32 && out[0]! >>> 5 === level - 1);
      const back = new Uint8Array(data.length);
      assert.equal(fastlzDecompressInto(out.subarray(0, n), back, data.length), data.length);
      assert.deepEqual(back, data);
      assert.equal(fastlzDecodedLength(out.subarray(0, n)), data.length);
    }
  });

  test("rejects unknown levels, references before the start, truncation and overflow", () => {
    const out = new Uint8Array(100);
    assert.equal(fastlzDecompressInto(Uint8Array.from([0x40, 1]), out, 100), -1); // level 3
    assert.equal(fastlzDecompressInto(Uint8Array.from([0x00, 0x41, 0x20, 0x05]), out, 100), -1); // distance 6 > 1
    assert.equal(fastlzDecompressInto(Uint8Array.from([0x05, 1, 2]), out, 100), -1); // literal run cut short
    assert.equal(fastlzDecompressInto(Uint8Array.from([0x01, 1, 2]), out, 1), -1); // two bytes, room for one
    assert.equal(fastlzDecompressInto(new Uint8Array(0), out, 100), -1);
  });
});

describe("ENet Compressors: Godot's 'no gain' rule", () => {
  for (const [name, mode] of [
    ["RANGE_CODER", CompressionMode.RANGE_CODER],
    ["FASTLZ", CompressionMode.FASTLZ],
    ["ZLIB", CompressionMode.ZLIB],
    ["ZSTD", CompressionMode.ZSTD],
  ] as const) {
    test(`${name}: null when the result exceeds outLimit, the bytes when it fits; gathered buffers = one buffer`, () => {
      const c = createCompressor(mode)!;
      assert.equal(c.mode, mode);
      const rng = new SeededRandom(20 + mode);
      const noise = generate("random", rng, 1200);
      assert.equal(c.compress(noise, noise.length), null);
      const text = generate("text", rng, 1200);
      const whole = c.compress(text, text.length)!;
      assert.ok(whole !== null && whole.length < text.length);
      assert.deepEqual(c.compress([text.subarray(0, 7), text.subarray(7, 500), text.subarray(500)], text.length), whole);
      assert.deepEqual(c.compress(text, whole.length), whole, "a result exactly at the limit is returned");
      assert.equal(c.compress(text, whole.length - 1), null);
      assert.deepEqual(c.decompress(whole, 4092), text);
    });
  }

  test("a huge outLimit decodes normally (buffers are sized by the output, grown only when needed)", () => {
    const data = generate("enet", new SeededRandom(21), 1300);
    for (const mode of [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD]) {
      const c = createCompressor(mode)!;
      const z = c.compress(data, 4096)!;
      assert.deepEqual(c.decompress(z, 0x7fffffff), data, `mode ${mode}`);
      // Output larger than the first buffer tried (4 KiB) grows it rather than failing.
      const big = new Uint8Array(60_000).fill(0x2a); // compresses to a few bytes, far below 1/8 of the output
      const zBig = c.compress(big, 70_000)!;
      assert.deepEqual(c.decompress(zBig, 0x7fffffff), big, `mode ${mode}, 60,000 bytes`);
      assert.equal(c.decompress(zBig, 59_999), null, `mode ${mode}, one byte short`);
    }
  });

  test("NONE has no compressor; other values are rejected", () => {
    assert.equal(createCompressor(CompressionMode.NONE), null);
    assert.throws(() => createCompressor(5 as CompressionMode), RangeError);
  });
});

describe("zlib and gzip containers", () => {
  const data = generate("text", new SeededRandom(30), 5000);

  test("zlib: header, preset-dictionary flag and Adler-32 are checked", () => {
    const z = zlibCompress(data);
    assert.deepEqual(zlibDecompressBounded(z, data.length), data);
    assert.equal(zlibDecompressBounded(z, data.length - 1), null);
    const badAdler = z.slice();
    badAdler[badAdler.length - 1] ^= 1;
    assert.equal(zlibDecompressBounded(badAdler, data.length), null);
    const dict = z.slice();
    dict[1] = 0xbb; // FDICT set, still a multiple of 31 with 0x78
    assert.equal((0x78 * 256 + 0xbb) % 31, 0);
    assert.equal(zlibDecompressBounded(dict, data.length), null);
    const badCheck = z.slice();
    badCheck[1] ^= 1;
    assert.equal(zlibDecompressBounded(badCheck, data.length), null);
  });

  test("gzip: optional header fields are skipped; CRC-32 and ISIZE are checked", () => {
    const raw = deflateRawCompress(data);
    const name = ascii("file.txt\0");
    const comment = ascii("hi\0");
    const extra = Uint8Array.from([4, 0, 1, 2, 3, 4]);
    const header = Uint8Array.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]);
    const trailer = new Uint8Array(8);
    new DataView(trailer.buffer).setUint32(0, crc32(data), true);
    new DataView(trailer.buffer).setUint32(4, data.length, true);
    const parts = [header, extra, name, comment, Uint8Array.from([0xaa, 0xbb]), raw, trailer];
    const member = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let pos = 0;
    for (const p of parts) {
      member.set(p, pos);
      pos += p.length;
    }
    assert.deepEqual(gzipDecompressBounded(member, data.length), data);
    assert.deepEqual(decompress(member, data.length, FileCompressionMode.COMPRESSION_GZIP), data);
    const badCrc = member.slice();
    badCrc[badCrc.length - 8] ^= 1;
    assert.equal(gzipDecompressBounded(badCrc, data.length), null);
    const badSize = member.slice();
    badSize[badSize.length - 4] ^= 1;
    assert.equal(gzipDecompressBounded(badSize, data.length), null);
    const reserved = member.slice();
    reserved[3] |= 0x80;
    assert.equal(gzipDecompressBounded(reserved, data.length), null);
  });
});

describe("zstd frames", () => {
  const data = generate("text", new SeededRandom(40), 3000);
  const frame = compress(data, FileCompressionMode.COMPRESSION_ZSTD);

  test("concatenated and skippable frames decode as libzstd does", () => {
    const skippable = Uint8Array.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const joined = new Uint8Array(frame.length * 2 + skippable.length);
    joined.set(frame);
    joined.set(skippable, frame.length);
    joined.set(frame, frame.length + skippable.length);
    const out = zstdDecompressBounded(joined, data.length * 2)!;
    assert.equal(out.length, data.length * 2);
    assert.deepEqual(out.subarray(data.length), data);
    assert.equal(zstdDecompressBounded(joined, data.length * 2 - 1), null);
  });

  test("dictionaries, reserved bits, reserved block types and trailing garbage are rejected", () => {
    // Raw-block frame by hand: magic, FHD (single segment, 1-byte size), size, block header, bytes.
    const ok = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 3, (3 << 3) | 1, 0, 0, 1, 2, 3]);
    assert.deepEqual(zstdDecompressBounded(ok, 3), Uint8Array.from([1, 2, 3]));
    const withDict = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x21, 7, 3, (3 << 3) | 1, 0, 0, 1, 2, 3]);
    assert.equal(zstdDecompressBounded(withDict, 3), null);
    const reserved = ok.slice();
    reserved[4] |= 0x08;
    assert.equal(zstdDecompressBounded(reserved, 3), null);
    const reservedBlock = ok.slice();
    reservedBlock[6] = (3 << 3) | (3 << 1) | 1;
    assert.equal(zstdDecompressBounded(reservedBlock, 3), null);
    const sizeMismatch = ok.slice();
    sizeMismatch[5] = 2; // declares 2 bytes, the block holds 3
    assert.equal(zstdDecompressBounded(sizeMismatch, 10), null);
    const trailing = new Uint8Array(ok.length + 2);
    trailing.set(ok);
    assert.equal(zstdDecompressBounded(trailing, 3), null);
  });

  test("hostile sequence counts and lengths are refused before fzstd runs them", () => {
    // One compressed block: no literals, then 0x7F00 + 0xFFFF sequences with RLE tables whose
    // match-length code is 52 (65,539 bytes each), and a bitstream of just the end marker.
    // fzstd alone would loop ~98,000 x 65,539 times on these 22 bytes.
    const block = [0x00, 0xff, 0xff, 0xff, 0x54, 0x00, 0x01, 52, 0x01];
    const blockHeader = (block.length << 3) | (2 << 1) | 1;
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 200, blockHeader & 0xff, blockHeader >>> 8, 0, ...block]);
    const started = performance.now();
    assert.equal(zstdDecompressBounded(frame, 4096), null);
    assert.equal(createCompressor(CompressionMode.ZSTD)!.decompress(frame, 4092), null);
    // Synchronous work, so only descheduling could slow it: run unguarded it takes far longer.
    assert.ok(performance.now() - started < 5000);
    // A plausible count but lengths past the block: 40 sequences of 65,539-byte matches.
    const block2 = [0x00, 40, 0x54, 0x00, 0x01, 52, 0x01];
    const header2 = (block2.length << 3) | (2 << 1) | 1;
    const frame2 = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 200, header2 & 0xff, header2 >>> 8, 0, ...block2]);
    assert.equal(zstdDecompressBounded(frame2, 4096), null);
    // The same shape with honest lengths decodes: literal "A", then one sequence with
    // literal length code 1, offset code 0 (repeat offset 1) and match length code 12 (15 bytes).
    const literals = [(1 << 3) | 0, 0x41];
    const block3 = [...literals, 1, 0x54, 0x01, 0x00, 12, 0x01];
    const header3 = (block3.length << 3) | (2 << 1) | 1;
    const frame3 = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 16, header3 & 0xff, header3 >>> 8, 0, ...block3]);
    assert.deepEqual(zstdDecompressBounded(frame3, 4096), ascii("A".repeat(16)));
  });

  test("content checksums (as the zstd CLI writes them) are verified", () => {
    // Raw frame of [1, 2, 3] with the checksum flag; XXH64([1,2,3]) low 32 bits computed below.
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 3, (3 << 3) | 1, 0, 0, 1, 2, 3, 0, 0, 0, 0]);
    const checksum = xxh64Low32(Uint8Array.from([1, 2, 3]));
    new DataView(frame.buffer).setUint32(12, checksum, true);
    assert.deepEqual(zstdDecompressBounded(frame, 3), Uint8Array.from([1, 2, 3]));
    const corrupt = frame.slice();
    corrupt[10] ^= 0x40; // a content byte: still a well-formed frame
    assert.equal(zstdDecompressBounded(corrupt, 3), null);
  });

  test("XXH64 matches the reference values (seed 0)", () => {
    // Low 32 bits of XXH64 (the xxHash reference values; zstd --check writes the same).
    assert.equal(xxh64Low32(new Uint8Array(0)), 0x51d8e999); // 0xef46db3751d8e999
    assert.equal(xxh64Low32(ascii("a")), 0xa98c6e5b); // 0xd24ec4f1a98c6e5b
    assert.equal(xxh64Low32(ascii("abc")), 0xad770999); // 0x44bc2cf5ad770999
  });
});

describe("decompressDynamic limits", () => {
  test("-1 means the documented hard cap", () => {
    assert.equal(DECOMPRESS_DYNAMIC_HARD_CAP, 256 * 1024 * 1024);
    const z = compress(new Uint8Array(1000), FileCompressionMode.COMPRESSION_DEFLATE);
    assert.equal(decompressDynamic(z, -1, FileCompressionMode.COMPRESSION_DEFLATE).length, 1000);
    assert.equal(decompressDynamic(z, 1000, FileCompressionMode.COMPRESSION_DEFLATE).length, 1000);
    assert.throws(() => decompressDynamic(z, 999, FileCompressionMode.COMPRESSION_DEFLATE));
  });
});
