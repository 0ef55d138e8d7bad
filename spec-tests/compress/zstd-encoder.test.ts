import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { decompress } from "fzstd";
import { zstdCompress } from "../../src/compress/zstd/encoder.ts";
import { zstdCompressBound } from "../../src/compress/zstd/encoder/frame.ts";
import { jsonCorpus, mixedCorpus, randomBytes, textCorpus, zstdTestCorpus } from "./zstd-encoder-corpus.ts";

const corpus = zstdTestCorpus();

interface ParsedBlock {
  type: number;
  size: number;
  last: boolean;
  /** For compressed blocks: Literals_Block_Type of the literals section. */
  literalsType?: number;
}

interface ParsedFrame {
  singleSegment: boolean;
  checksum: boolean;
  dictionaryIdFlag: number;
  contentSize: number | null;
  blocks: ParsedBlock[];
}

/** Minimal independent parse of our own frame layout (RFC 8878 3.1.1), to check what kinds of blocks we emit. */
function parseFrame(frame: Uint8Array): ParsedFrame {
  assert.deepEqual([...frame.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], "magic number");
  const fhd = frame[4];
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd & 0x20) !== 0;
  assert.equal(fhd & 0x08, 0, "reserved bit");
  let pos = 5;
  if (!singleSegment) pos++;
  const dictionaryIdFlag = fhd & 3;
  pos += [0, 1, 2, 4][dictionaryIdFlag];
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag];
  let contentSize: number | null = null;
  if (fcsSize > 0) {
    contentSize = 0;
    for (let i = fcsSize - 1; i >= 0; i--) contentSize = contentSize * 256 + frame[pos + i];
    if (fcsSize === 2) contentSize += 256;
  }
  pos += fcsSize;
  const blocks: ParsedBlock[] = [];
  for (;;) {
    assert.ok(pos + 3 <= frame.length, "block header inside the frame");
    const header = frame[pos] | (frame[pos + 1] << 8) | (frame[pos + 2] << 16);
    pos += 3;
    const last = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const size = header >> 3;
    assert.notEqual(type, 3, "reserved block type");
    const block: ParsedBlock = { type, size, last };
    if (type === 2) block.literalsType = frame[pos] & 3;
    blocks.push(block);
    pos += type === 1 ? 1 : size;
    if (last) break;
  }
  assert.equal(pos, frame.length, "frame ends after the last block");
  return { singleSegment, checksum: (fhd & 4) !== 0, dictionaryIdFlag, contentSize, blocks };
}

function hasZstdCli(): boolean {
  try {
    return spawnSync("zstd", ["--version"], { stdio: "ignore" }).status === 0;
  } catch {
    return false;
  }
}

function cliDecompress(frame: Uint8Array): Uint8Array {
  const r = spawnSync("zstd", ["-d", "-q", "-c"], { input: frame, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `zstd -d failed: ${String(r.stderr)}`);
  return new Uint8Array(r.stdout);
}

function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: first difference at byte ${i}`);
  }
}

describe("zstd encoder: round trip through fzstd", () => {
  for (const { name, data } of corpus) {
    test(name, () => {
      const frame = zstdCompress(data);
      assertSameBytes(decompress(frame), data, name);
      assert.ok(frame.length <= zstdCompressBound(data.length), "never beyond raw blocks plus headers");
    });
  }

  test("hundreds of small inputs of every kind and size 0..3000", () => {
    const makers = [textCorpus, jsonCorpus, randomBytes, mixedCorpus];
    for (let i = 0; i < 400; i++) {
      const size = (i * 7919) % 3001;
      const data = makers[i % makers.length](size, 100 + i);
      // Sparse alphabets exercise two-symbol Huffman tables and RLE sequence modes.
      if (i % 5 === 0) for (let j = 0; j < size; j++) data[j] = data[j] & (i % 3 === 0 ? 1 : 0x41);
      const frame = zstdCompress(data, 1 + (i % 9));
      assertSameBytes(decompress(frame), data, `input ${i} (${size} bytes)`);
    }
  });

  test("every level from 1 to 22 round-trips", () => {
    const data = mixedCorpus(150 * 1024, 77);
    for (let level = 1; level <= 22; level++) assertSameBytes(decompress(zstdCompress(data, level)), data, `level ${level}`);
  });

  test("state does not leak between calls: same input, same output", () => {
    const a = textCorpus(50_000, 21);
    const b = jsonCorpus(70_000, 22);
    const first = zstdCompress(a);
    zstdCompress(b);
    assert.deepEqual(zstdCompress(a), first);
  });
});

describe("zstd encoder: the zstd CLI decodes our frames", { skip: !hasZstdCli() && "zstd CLI not installed" }, () => {
  for (const { name, data } of corpus) {
    test(name, () => assertSameBytes(cliDecompress(zstdCompress(data)), data, name));
  }
  test("levels 1, 9 and 19 on mixed data", () => {
    const data = mixedCorpus(300 * 1024, 31);
    for (const level of [1, 9, 19]) assertSameBytes(cliDecompress(zstdCompress(data, level)), data, `level ${level}`);
  });
});

describe("zstd encoder: frame shape", () => {
  test("header: content size, single segment up to the window, no checksum, no dictionary", () => {
    for (const { name, data } of corpus) {
      const f = parseFrame(zstdCompress(data));
      assert.equal(f.contentSize, data.length, `${name}: Frame_Content_Size`);
      assert.equal(f.singleSegment, true, `${name}: Single_Segment`);
      assert.equal(f.checksum, false, `${name}: no checksum`);
      assert.equal(f.dictionaryIdFlag, 0, `${name}: no dictionary`);
      for (const b of f.blocks) assert.ok((b.type === 1 ? 0 : b.size) <= 128 * 1024, `${name}: block <= 128 KiB`);
    }
  });

  test("inputs above the 2 MiB window declare a window instead", () => {
    const data = textCorpus(2 * 1024 * 1024 + 100, 5);
    const frame = zstdCompress(data);
    const f = parseFrame(frame);
    assert.equal(f.singleSegment, false);
    assert.equal(frame[5], (21 - 10) << 3, "Window_Descriptor for 2 MiB");
    assert.equal(f.contentSize, data.length);
    assertSameBytes(decompress(frame), data, "fzstd");
    if (hasZstdCli()) assertSameBytes(cliDecompress(frame), data, "zstd CLI");
  });

  test("compressible inputs produce compressed blocks with Huffman literals", () => {
    for (const { name, data } of corpus.filter((e) => /text|JSON|game|mixed/.test(e.name))) {
      const f = parseFrame(zstdCompress(data));
      const compressed = f.blocks.filter((b) => b.type === 2);
      assert.ok(compressed.length > 0, `${name}: at least one Compressed_Block`);
      assert.ok(
        compressed.some((b) => b.literalsType === 2 || b.literalsType === 3),
        `${name}: Huffman-coded literals`,
      );
      assert.ok(zstdCompress(data).length < data.length * 0.6, `${name}: real compression`);
    }
    const multi = parseFrame(zstdCompress(textCorpus(400 * 1024, 9)));
    assert.ok(multi.blocks.length >= 4, "400 KiB spans several blocks");
    assert.ok(multi.blocks.every((b) => b.type === 2), "every block of text is compressed");
  });

  test("incompressible input falls back to raw blocks; uniform input to RLE", () => {
    const random = randomBytes(300 * 1024, 8);
    const f = parseFrame(zstdCompress(random));
    assert.ok(f.blocks.every((b) => b.type === 0), "random data stored raw");
    assert.ok(zstdCompress(random).length <= random.length + 9 + 3 * f.blocks.length);
    const zeros = parseFrame(zstdCompress(new Uint8Array(300 * 1024)));
    assert.ok(zeros.blocks.every((b) => b.type === 1), "zeros become RLE blocks");
  });
});

describe("zstd encoder: arguments", () => {
  test("rejects levels outside 1..22 and non-byte input", () => {
    assert.throws(() => zstdCompress(new Uint8Array(4), 0), RangeError);
    assert.throws(() => zstdCompress(new Uint8Array(4), 23), RangeError);
    assert.throws(() => zstdCompress(new Uint8Array(4), 2.5), RangeError);
    assert.throws(() => zstdCompress([1, 2, 3] as unknown as Uint8Array), TypeError);
  });
});
