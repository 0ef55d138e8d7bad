import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decompress } from "fzstd";
import { zstdCompress } from "../../src/compress/zstd/encoder.ts";
import { BlockType, writeBlockHeader, writeFrameHeader, zstdCompressBound } from "../../src/compress/zstd/encoder/frame.ts";
import { HuffmanBuilder, HuffmanTable, huffmanKraftIsComplete } from "../../src/compress/zstd/encoder/huffman.ts";
import { LiteralsEncoder } from "../../src/compress/zstd/encoder/literals.ts";
import { SequenceStore, SequencesEncoder } from "../../src/compress/zstd/encoder/sequences.ts";
import { gameStateCorpus, jsonCorpus, mixedCorpus, randomBytes, textCorpus, zstdTestCorpus } from "./zstd-encoder-corpus.ts";

const corpus = zstdTestCorpus();

interface ParsedBlock {
  type: number;
  size: number;
  last: boolean;
  /** For compressed blocks: Literals_Block_Type of the literals section. */
  literalsType?: number;
  /** For compressed blocks: Number_of_Sequences and the Symbol_Compression_Modes byte (if any). */
  sequences?: number;
  modes?: number;
}

/** Reads the literals section header and skips to the sequences section header. */
function parseCompressedBlock(frame: Uint8Array, pos: number, block: ParsedBlock): void {
  const b0 = frame[pos];
  const type = b0 & 3;
  const sizeFormat = (b0 >> 2) & 3;
  block.literalsType = type;
  let sectionSize: number;
  if (type < 2) {
    let headerSize: number;
    let size: number;
    if ((sizeFormat & 1) === 0) {
      headerSize = 1;
      size = b0 >> 3;
    } else if (sizeFormat === 1) {
      headerSize = 2;
      size = (b0 >> 4) + (frame[pos + 1] << 4);
    } else {
      headerSize = 3;
      size = (b0 >> 4) + (frame[pos + 1] << 4) + (frame[pos + 2] << 12);
    }
    sectionSize = headerSize + (type === 0 ? size : 1);
  } else {
    const headerSize = sizeFormat < 2 ? 3 : sizeFormat === 2 ? 4 : 5;
    const sizeBits = sizeFormat < 2 ? 10 : sizeFormat === 2 ? 14 : 18;
    let value = 0;
    for (let i = headerSize - 1; i >= 0; i--) value = value * 256 + frame[pos + i];
    const compressedSize = Math.floor(value / 2 ** (4 + sizeBits)) % 2 ** sizeBits;
    sectionSize = headerSize + compressedSize;
  }
  let p = pos + sectionSize;
  const n0 = frame[p];
  let sequences: number;
  if (n0 < 128) {
    sequences = n0;
    p += 1;
  } else if (n0 < 255) {
    sequences = ((n0 - 128) << 8) + frame[p + 1];
    p += 2;
  } else {
    sequences = frame[p + 1] + (frame[p + 2] << 8) + 0x7f00;
    p += 3;
  }
  block.sequences = sequences;
  if (sequences > 0) block.modes = frame[p];
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
    if (type === 2) parseCompressedBlock(frame, pos, block);
    blocks.push(block);
    pos += type === 1 ? 1 : size;
    if (last) break;
  }
  assert.equal(pos, frame.length, "frame ends after the last block");
  return { singleSegment, checksum: (fhd & 4) !== 0, dictionaryIdFlag, contentSize, blocks };
}

function hasZstdCli(): boolean {
  try {
    return spawnSync("zstd", ["--version"], { stdio: "ignore", timeout: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

/**
 * Decodes with the zstd CLI through temporary files: piping megabytes both ways
 * through spawnSync deadlocks on some runtimes (the child blocks on a full stdout
 * while the parent is still writing stdin).
 */
function cliDecompress(frame: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "packetpeer-zstd-cli-"));
  try {
    const src = join(dir, "in.zst");
    const dst = join(dir, "out");
    writeFileSync(src, frame);
    const r = spawnSync("zstd", ["-d", "-q", "-f", "-o", dst, src], { timeout: 60_000 });
    assert.equal(r.status, 0, `zstd -d failed: ${String(r.stderr)}`);
    return new Uint8Array(readFileSync(dst));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
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

  test("a view into a larger buffer compresses only its own bytes", () => {
    const backing = textCorpus(300_000, 61);
    const view = backing.subarray(12_345, 212_345);
    const frame = zstdCompress(view);
    assertSameBytes(decompress(frame), view.slice(), "subarray input");
    assert.equal(parseFrame(frame).contentSize, view.length);
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
  test("600 inputs of every kind and level, as concatenated frames in one zstd -d run", () => {
    // The CLI decodes a concatenation of frames into the concatenation of their contents,
    // so one process checks hundreds of frames with zstd's strict decoder.
    const makers = [textCorpus, jsonCorpus, randomBytes, mixedCorpus, gameStateCorpus];
    const frames: Uint8Array[] = [];
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) {
      const size = i < 500 ? (i * 7919) % 4097 : 4096 + ((i * 104729) % 300_000);
      const data = makers[i % makers.length](size, 500 + i);
      if (i % 7 === 0) for (let j = 0; j < size; j++) data[j] = data[j] & (i % 3 === 0 ? 3 : 0x61);
      inputs.push(data);
      // Small inputs cycle through every level (18+ use the price-based parser); large ones stay fast.
      frames.push(zstdCompress(data, i < 500 ? 1 + (i % 22) : 1 + (i % 12)));
    }
    assertSameBytes(cliDecompress(concat(frames)), concat(inputs), "concatenated frames");
  });

  test("levels 1, 9, 19 and 22 on mixed data", () => {
    const data = mixedCorpus(300 * 1024, 31);
    for (const level of [1, 9, 19, 22]) assertSameBytes(cliDecompress(zstdCompress(data, level)), data, `level ${level}`);
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

describe("zstd encoder: every coding mode of the format is exercised", () => {
  test("literals raw/RLE/Huffman/treeless, sequence modes predefined/RLE/FSE/repeat", () => {
    const inputs = [...corpus.map((e) => e.data), skewedBytes(200 * 1024), uniformLiteralsCorpus()];
    // Datagram-sized inputs: few sequences, where the predefined tables win.
    for (let i = 0; i < 20; i++) inputs.push(jsonCorpus(150 + 40 * i, 300 + i), textCorpus(150 + 40 * i, 400 + i));
    const literalTypes = new Set<number>();
    const modes = new Set<string>();
    let maxSequences = 0;
    for (const data of inputs) {
      const frame = zstdCompress(data);
      assertSameBytes(decompress(frame), data, "round trip");
      for (const b of parseFrame(frame).blocks) {
        if (b.type !== 2) continue;
        literalTypes.add(b.literalsType!);
        maxSequences = Math.max(maxSequences, b.sequences!);
        if (b.modes === undefined) continue;
        const names = ["predefined", "rle", "fse", "repeat"];
        modes.add(`ll:${names[b.modes >> 6]}`).add(`of:${names[(b.modes >> 4) & 3]}`).add(`ml:${names[(b.modes >> 2) & 3]}`);
        assert.equal(b.modes & 3, 0, "reserved mode bits");
      }
    }
    assert.deepEqual([...literalTypes].sort(), [0, 1, 2, 3], "literals block types");
    for (const m of ["predefined", "fse", "repeat"]) {
      for (const t of ["ll", "of", "ml"]) assert.ok(modes.has(`${t}:${m}`), `${t} ${m} mode used`);
    }
    assert.ok([...modes].some((m) => m.endsWith(":rle")), "an RLE sequence mode is used");
    assert.ok(maxSequences >= 128, "2-byte Number_of_Sequences form used");
  });

  test("a block of more than 0x7F00 sequences (3-byte Number_of_Sequences) decodes", () => {
    // The match finder rarely finds that many in one block, so the block is built
    // from a hand-made sequence list with the encoder's own section writers.
    const count = 0x7f00 + 100;
    const store = new SequenceStore();
    const noise = randomBytes(count, 17);
    const expected: number[] = [];
    for (let i = 0; i < count; i++) {
      store.literals[store.literalCount++] = noise[i];
      expected.push(noise[i]);
      const offset = 1 + (noise[(i * 13) % count] % Math.min(expected.length, 200));
      const length = 3;
      for (let k = 0; k < length; k++) expected.push(expected[expected.length - offset]);
      store.litLength[i] = 1;
      store.matchLength[i] = length;
      store.offsetValue[i] = offset + 3;
    }
    store.count = count;
    assert.ok(expected.length <= 128 * 1024);
    const out = new Uint8Array(512 * 1024);
    let pos = writeFrameHeader(out, 0, expected.length, true, 21);
    const body = new Uint8Array(512 * 1024);
    let end = new LiteralsEncoder().write(store.literals, store.literalCount, body, 0);
    end = new SequencesEncoder().write(store, body, end);
    pos = writeBlockHeader(out, pos, true, BlockType.Compressed, end);
    out.set(body.subarray(0, end), pos);
    const frame = out.subarray(0, pos + end);
    assert.equal(parseFrame(frame).blocks[0].sequences, count, "3-byte count parsed back");
    assertSameBytes(decompress(frame), Uint8Array.from(expected), "fzstd");
    if (hasZstdCli()) assertSameBytes(cliDecompress(frame), Uint8Array.from(expected), "zstd CLI");
  });

  test("literals-only blocks (few matches) alternate with sequence blocks and keep Huffman state right", () => {
    // 200 equally likely byte values: Huffman gains a little, 4-byte repeats are rare,
    // so such a block is coded as literals only; text blocks between them use sequences.
    const noise = randomBytes(128 * 1024 * 2, 81);
    const data = new Uint8Array(4 * 128 * 1024);
    for (let b = 0; b < 4; b++) {
      const block = data.subarray(b * 128 * 1024, (b + 1) * 128 * 1024);
      if (b % 2 === 0) for (let i = 0; i < block.length; i++) block[i] = (noise[(b / 2) * block.length + i] * 200) >> 8;
      else block.set(textCorpus(block.length, 90 + b));
    }
    const frame = zstdCompress(data);
    const blocks = parseFrame(frame).blocks;
    assert.ok(
      blocks.some((b) => b.type === 2 && b.sequences === 0 && (b.literalsType === 2 || b.literalsType === 3)),
      "a compressed block with Huffman literals and no sequences",
    );
    assert.ok(blocks.some((b) => b.type === 2 && b.sequences! > 0), "a block with sequences");
    assertSameBytes(decompress(frame), data, "fzstd");
    if (hasZstdCli()) assertSameBytes(cliDecompress(frame), data, "zstd CLI");
  });

  test("a literal run over 64 KiB followed by a match (literal length code 35)", () => {
    const noise = randomBytes(100 * 1024, 12);
    const data = new Uint8Array(125 * 1024);
    data.set(noise);
    data.set(noise.subarray(0, 25 * 1024), 100 * 1024);
    const frame = zstdCompress(data);
    assert.equal(parseFrame(frame).blocks[0].type, 2, "compressed block");
    assertSameBytes(decompress(frame), data, "fzstd");
    if (hasZstdCli()) assertSameBytes(cliDecompress(frame), data, "zstd CLI");
  });

  test("a geometric byte distribution forces Huffman codes to the 11-bit limit", () => {
    const data = skewedBytes(128 * 1024);
    const frame = zstdCompress(data);
    const f = parseFrame(frame);
    assert.equal(f.blocks[0].literalsType, 2, "Huffman literals");
    assertSameBytes(decompress(frame), data, "fzstd");
    if (hasZstdCli()) assertSameBytes(cliDecompress(frame), data, "zstd CLI");
  });
});

/** A random block, then a block copied from it in pieces joined by one constant byte: its only literals. */
function uniformLiteralsCorpus(): Uint8Array {
  const first = randomBytes(128 * 1024, 16);
  const out = new Uint8Array(256 * 1024);
  out.set(first);
  let o = first.length;
  for (let k = 0; o < out.length; k++) {
    const piece = first.subarray((k * 7919) % 100_000, ((k * 7919) % 100_000) + 500);
    const n = Math.min(piece.length, out.length - o);
    out.set(piece.subarray(0, n), o);
    o += n;
    if (o < out.length) out[o++] = 0x61;
  }
  return out;
}

/** Byte b occurs with probability about 2^-(b+1): a very deep optimal Huffman tree. */
function skewedBytes(size: number): Uint8Array {
  const bits = randomBytes(size * 4, 15);
  const out = new Uint8Array(size);
  let k = 0;
  for (let i = 0; i < size; i++) {
    let b = 0;
    while (b < 40 && (bits[k++ % bits.length] & 1) === 1) b++;
    out[i] = b;
  }
  return out;
}

describe("zstd encoder: Huffman code construction", () => {
  test("codes are complete, within 11 bits, prefix-free and canonical for varied histograms", () => {
    const builder = new HuffmanBuilder();
    const table = new HuffmanTable();
    const noise = randomBytes(256 * 64, 71);
    for (let trial = 0; trial < 64; trial++) {
      const counts = new Uint32Array(256);
      const symbols = 2 + (trial * 37) % 255;
      for (let s = 0; s < symbols; s++) {
        const r = noise[trial * 256 + s];
        // Mix flat, random and exponentially skewed histograms.
        counts[s] = trial % 3 === 0 ? 1 + r : trial % 3 === 1 ? 1 + (r % 4) : Math.max(1, Math.floor(2 ** 20 / 2 ** Math.min(s, 20)));
      }
      builder.build(counts, symbols - 1, table);
      assert.ok(huffmanKraftIsComplete(table), `trial ${trial}: complete code`);
      assert.ok(table.maxBits <= 11, `trial ${trial}: at most 11 bits`);
      const codes: string[] = [];
      for (let s = 0; s < symbols; s++) {
        assert.ok(table.lengths[s] >= 1, `trial ${trial}: symbol ${s} present`);
        codes.push(table.codes[s].toString(2).padStart(table.lengths[s], "0"));
      }
      const sorted = [...codes].sort();
      for (let i = 1; i < sorted.length; i++) assert.ok(!sorted[i].startsWith(sorted[i - 1]), `trial ${trial}: prefix-free`);
      // More frequent symbols never get longer codes.
      for (let a = 0; a < symbols; a++) {
        for (let b = 0; b < symbols; b++) {
          if (counts[a] > counts[b]) assert.ok(table.lengths[a] <= table.lengths[b] || table.lengths[b] === 11, `trial ${trial}: monotone`);
        }
      }
    }
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
