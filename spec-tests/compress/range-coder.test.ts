// ENet's range coder against C ENet 1.3.17 itself (libenet.so.7 through python3 ctypes):
// identical bytes for every corpus input, null exactly where libenet returns 0,
// and each decoder reads the other's output and agrees on corrupt input.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCompressor, CompressionMode } from "../../src/index.ts";
import { RangeCoder } from "../../src/compress/range-coder.ts";
import { RangeCoderCompressor } from "../../src/compress/range-coder-compressor.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { CORPUS_KINDS, corpusLength, generate } from "./support/corpus.ts";
import { libenetUnavailableReason, runLibenet, type LibenetRequest } from "./support/libenet.ts";
import { decodeVectorFile, rangeCoderVectorCases } from "./support/range-coder-vector-inputs.ts";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const unavailable = libenetUnavailableReason();
const CORPUS_SIZE = 1200;

interface Case {
  data: Uint8Array;
  outLimit: number;
  /** How our side receives the input: as one buffer or split like ENet's gathered command buffers. */
  pieces: Uint8Array[];
}

function buildCorpus(): Case[] {
  const rng = new SeededRandom(0x5eed_0001);
  const cases: Case[] = [];
  for (let i = 0; i < CORPUS_SIZE; i++) {
    const data = generate(CORPUS_KINDS[i % CORPUS_KINDS.length]!, rng, corpusLength(rng, 4096));
    let outLimit: number;
    switch (i % 4) {
      case 0:
      case 3:
        outLimit = data.length; // ENet's "must gain" limit
        break;
      case 1:
        outLimit = 4096;
        break;
      default:
        outLimit = rng.nextInt(data.length + 2);
    }
    cases.push({ data, outLimit, pieces: split(rng, data) });
  }
  // A few long inputs so the 4096-symbol pool fills and the model restarts mid-stream.
  for (let i = 0; i < 8; i++) {
    const data = generate(i % 2 ? "random" : "enet", rng, 6000 + rng.nextInt(14000));
    cases.push({ data, outLimit: data.length * 2, pieces: split(rng, data) });
  }
  return cases;
}

/** Split into non-empty pieces (libenet reads past an empty middle buffer, ours does not). */
function split(rng: SeededRandom, data: Uint8Array): Uint8Array[] {
  if (data.length < 2 || rng.chance(0.5)) return [data];
  const pieces: Uint8Array[] = [];
  let pos = 0;
  while (pos < data.length) {
    const len = 1 + rng.nextInt(Math.min(300, data.length - pos));
    pieces.push(data.subarray(pos, pos + len));
    pos += len;
  }
  return pieces;
}

describe("ENet range coder vs libenet", { skip: unavailable ?? false }, () => {
  const corpus = unavailable ? [] : buildCorpus();
  const theirs = unavailable
    ? []
    : runLibenet(corpus.map((c): LibenetRequest => ({ op: "compress", data: c.data, outLimit: c.outLimit })));

  test(`compresses ${CORPUS_SIZE}+ inputs to libenet's exact bytes, null where libenet returns 0`, () => {
    const coder = new RangeCoder();
    const out = new Uint8Array(70_000);
    let nulls = 0;
    let outputs = 0;
    for (let i = 0; i < corpus.length; i++) {
      const c = corpus[i]!;
      const n = coder.compressInto(c.pieces, out, c.outLimit);
      assert.equal(n, theirs[i]!.length, `case ${i}: ${c.data.length} bytes, limit ${c.outLimit}`);
      assert.deepEqual(out.subarray(0, n), theirs[i], `case ${i}: bytes differ`);
      if (n === 0) nulls++;
      else outputs++;
    }
    // Both outcomes must really be exercised for the comparison to mean anything.
    assert.ok(nulls >= 100, `only ${nulls} no-gain cases`);
    assert.ok(outputs >= 600, `only ${outputs} compressed cases`);
  });

  test("the Compressor returns null exactly where libenet returns 0", () => {
    const compressor = createCompressor(CompressionMode.RANGE_CODER)!;
    assert.ok(compressor instanceof RangeCoderCompressor);
    for (let i = 0; i < corpus.length; i += 3) {
      const c = corpus[i]!;
      const ours: Uint8Array | null = compressor.compress(c.pieces, c.outLimit);
      if (theirs[i]!.length === 0) assert.equal(ours, null, `case ${i}`);
      else assert.deepEqual(ours, theirs[i], `case ${i}`);
    }
  });

  test("our decoder reads libenet's output and libenet's decoder reads ours", () => {
    const coder = new RangeCoder();
    const compressed: Uint8Array[] = [];
    const originals: Uint8Array[] = [];
    const buf = new Uint8Array(70_000);
    for (let i = 0; i < corpus.length; i++) {
      if (theirs[i]!.length === 0) continue;
      const original = corpus[i]!.data;
      const n = coder.decompressInto(theirs[i]!, buf, original.length);
      assert.equal(n, original.length, `case ${i}: decoded length`);
      assert.deepEqual(buf.subarray(0, n), original, `case ${i}: decoded bytes`);
      const m = coder.compressInto(original, buf, 70_000);
      compressed.push(buf.slice(0, m));
      originals.push(original);
    }
    const decoded = runLibenet(compressed.map((data, k) => ({ op: "decompress", data, outLimit: originals[k]!.length })));
    for (let k = 0; k < decoded.length; k++) assert.deepEqual(decoded[k], originals[k], `libenet decoding our output #${k}`);
  });

  test("order-0 rescales and model restarts: inputs built to rescale the root context many times", () => {
    // The encoder keeps the order-0 context in its own form (per-value symbols and
    // a Fenwick tree of counts), so its rescale and reset get inputs aimed at them:
    // one byte value coded in the root again and again after ever-new contexts
    // (its count passes the rescale threshold every ~84 codings), and skewed
    // text-like streams long enough to restart the model several times.
    const rng = new SeededRandom(0x0de7_0001);
    const inputs: Uint8Array[] = [];
    for (const pairs of [300, 1000, 3000]) {
      const data = new Uint8Array(pairs * 2);
      for (let i = 0; i < pairs; i++) {
        data[2 * i] = (i * 7 + (i >> 8)) & 0xff;
        data[2 * i + 1] = 0x61;
      }
      inputs.push(data);
    }
    for (let k = 0; k < 6; k++) {
      const data = new Uint8Array(4000 + rng.nextInt(20_000));
      const common = [0, 0x20, 0x61 + k, 0xff];
      for (let i = 0; i < data.length; i++) data[i] = rng.chance(0.7) ? common[rng.nextInt(common.length)]! : rng.nextInt(256);
      inputs.push(data);
    }
    const expected = runLibenet(inputs.map((data) => ({ op: "compress", data, outLimit: data.length * 2 })));
    const coder = new RangeCoder();
    const out = new Uint8Array(100_000);
    const back = new Uint8Array(50_000);
    for (let i = 0; i < inputs.length; i++) {
      const data = inputs[i]!;
      const n = coder.compressInto(i % 2 ? split(rng, data) : data, out, data.length * 2);
      assert.ok(n > 0, `input ${i} compressed`);
      assert.deepEqual(out.subarray(0, n), expected[i], `input ${i}: bytes differ from libenet`);
      const m = coder.decompressInto(expected[i]!, back, data.length);
      assert.deepEqual(back.subarray(0, m), data, `input ${i}: decoding libenet's output`);
    }
  });

  test("our decoder agrees with libenet's on corrupt, truncated and random input (3,000 cases)", () => {
    const rng = new SeededRandom(0xbad_da7a);
    const requests: LibenetRequest[] = [];
    const valid = theirs.filter((t) => t.length > 0);
    for (let i = 0; i < 3000; i++) {
      let data: Uint8Array;
      const source = valid[rng.nextInt(valid.length)]!;
      switch (i % 4) {
        case 0: // bit flips
          data = source.slice();
          for (let f = 0; f <= rng.nextInt(4); f++) data[rng.nextInt(data.length)] ^= 1 << rng.nextInt(8);
          break;
        case 1: // truncation
          data = source.slice(0, rng.nextInt(source.length + 1));
          break;
        case 2: // random bytes
          data = generate("random", rng, rng.nextInt(600));
          break;
        default: // valid data, tight limit
          data = source;
      }
      const outLimit = i % 4 === 3 ? rng.nextInt(5000) : [0, 1, 16, 1400, 4092, 70_000][rng.nextInt(6)]!;
      requests.push({ op: "decompress", data, outLimit });
    }
    const expected = runLibenet(requests);
    const coder = new RangeCoder();
    const compressor = createCompressor(CompressionMode.RANGE_CODER)!;
    const buf = new Uint8Array(70_000);
    let failures = 0;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      const n = coder.decompressInto(r.data, buf, r.outLimit);
      assert.equal(n, expected[i]!.length, `case ${i} (${r.data.length} bytes, limit ${r.outLimit})`);
      assert.deepEqual(buf.subarray(0, n), expected[i], `case ${i}`);
      const viaCompressor = compressor.decompress(r.data, r.outLimit);
      assert.deepEqual(viaCompressor ?? new Uint8Array(0), expected[i]);
      if (n === 0) failures++;
    }
    assert.ok(failures >= 300, `only ${failures} of the corrupt cases failed to decode`);
  });
});

describe("ENet range coder (no libenet needed)", () => {
  test("matches the committed libenet vectors byte for byte, and decodes them", () => {
    const file = new Uint8Array(readFileSync(fileURLToPath(new URL("./vectors/libenet-range-coder.bin", import.meta.url))));
    const expected = decodeVectorFile(file);
    const cases = rangeCoderVectorCases();
    assert.equal(expected.length, cases.length);
    const coder = new RangeCoder();
    const out = new Uint8Array(20_000);
    let nulls = 0;
    for (let i = 0; i < cases.length; i++) {
      const n = coder.compressInto(cases[i]!.data, out, cases[i]!.outLimit);
      assert.deepEqual(out.subarray(0, n), expected[i], `vector ${i}`);
      if (n === 0) {
        nulls++;
        continue;
      }
      const m = coder.decompressInto(expected[i]!, out, 20_000);
      assert.deepEqual(out.subarray(0, m), cases[i]!.data, `decoding vector ${i}`);
    }
    assert.ok(nulls >= 10 && nulls < cases.length - 50, `${nulls} no-gain vectors`);
  });

  test("round-trips empty, tiny and large inputs; empty input is 'no gain' as in libenet", () => {
    const c = createCompressor(CompressionMode.RANGE_CODER)!;
    assert.equal(c.compress(new Uint8Array(0), 100), null);
    assert.equal(c.compress([], 100), null);
    assert.equal(c.decompress(new Uint8Array(0), 100), null);
    const rng = new SeededRandom(3);
    for (const len of [1, 2, 3, 100, 4096, 30_000]) {
      const data = generate("text", rng, len);
      const z = c.compress(data, len * 8 + 16);
      assert.ok(z !== null, `length ${len}`);
      assert.deepEqual(c.decompress(z, len), data);
      // One byte less room than the data needs: libenet fails rather than truncating.
      assert.equal(c.decompress(z, len - 1), null);
    }
  });

  test("empty buffers among the gathered ones are skipped (libenet would read past them)", () => {
    const c = createCompressor(CompressionMode.RANGE_CODER)!;
    const data = generate("enet", new SeededRandom(4), 600);
    const empty = new Uint8Array(0);
    const expected = c.compress(data, 600);
    assert.ok(expected !== null);
    assert.deepEqual(c.compress([empty, data.subarray(0, 100), empty, empty, data.subarray(100), empty], 600), expected);
  });

  test("the model keeps no state between calls (each datagram stands alone)", () => {
    const c = createCompressor(CompressionMode.RANGE_CODER)!;
    const data = generate("enet", new SeededRandom(9), 800);
    const first = c.compress(data, 800);
    c.compress(generate("random", new SeededRandom(10), 3000), 4000);
    assert.deepEqual(c.compress(data, 800), first);
  });
});
