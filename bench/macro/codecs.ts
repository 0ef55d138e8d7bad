// Codec throughput and sizes on the benchmark corpus (bench/lib/corpus.ts), in a
// process of its own. Prints one JSON line.
//   range coder and FastLZ: per record, as ENet compresses each datagram body
//     (range coder with ENet's "no gain" limit = input length, like
//     bench/peers/rangecoder_bench.c does with libenet);
//   zstd and zlib: the whole corpus as one buffer (the size compared with `zstd -3`);
//   zstd also on the zstd engineer's test corpus (spec-tests), whole inputs.
// usage: codecs.ts CORPUS_FILE [minSecondsPerFigure]
import { RangeCoder } from "../../src/compress/range-coder.ts";
import { fastlzCompressBound, fastlzCompressInto, fastlzDecompressInto } from "../../src/compress/fastlz.ts";
import { zstdCompress } from "../../src/compress/zstd/encoder.ts";
import { zstdDecompressBounded } from "../../src/compress/zstd/decoder.ts";
import { zlibCompress, zlibDecompressBounded } from "../../src/compress/deflate.ts";
import { zstdTestCorpus } from "../../spec-tests/compress/zstd-encoder-corpus.ts";
import { concatRecords, readCorpusFile } from "../lib/corpus.ts";

const [corpusPath, minSecondsArg] = process.argv.slice(2);
if (!corpusPath) throw new Error("usage: codecs.ts CORPUS_FILE [minSeconds]");
const minMs = Number(minSecondsArg ?? 0.4) * 1000;
const records = readCorpusFile(corpusPath);
const whole = concatRecords(records);
const inputBytes = whole.length;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** Repeat `pass` (which processes `bytes` bytes) until minMs has elapsed; MB/s. One warm-up pass first. */
function throughput(bytes: number, pass: () => void): number {
  pass();
  let runs = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    pass();
    runs++;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  return (bytes * runs) / (elapsed / 1000) / 1e6;
}

// ---- range coder: per record, limit = input length (ENet's "no gain" rule)
const coder = new RangeCoder();
const rcOut = new Uint8Array(inputBytes + records.length * 8);
const rcStart = new Int32Array(records.length);
const rcLength = new Int32Array(records.length);
const back = new Uint8Array(8192);
let rangeOutputBytes = 0;
const rangeCompressPass = (): void => {
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    const n = coder.compressInto(rec, rcOut.subarray(pos), rec.length);
    rcStart[i] = pos;
    rcLength[i] = n;
    pos += n;
  }
};
rangeCompressPass();
for (let i = 0; i < records.length; i++) {
  const n = rcLength[i]!;
  rangeOutputBytes += n > 0 ? n : records[i]!.length;
  if (n > 0) {
    const m = coder.decompressInto(rcOut.subarray(rcStart[i]!, rcStart[i]! + n), back, back.length);
    if (m !== records[i]!.length || back.subarray(0, m).some((b, k) => b !== records[i]![k])) fail(`range coder round trip failed at record ${i}`);
  }
}
const rangeCompressMBps = throughput(inputBytes, rangeCompressPass);
// Decompression MB/s counts the bytes of the records that compressed (the others are sent as is).
let rangeDecodedBytes = 0;
for (let i = 0; i < records.length; i++) if (rcLength[i]! > 0) rangeDecodedBytes += records[i]!.length;
const rangeDecompressMBps = throughput(rangeDecodedBytes, () => {
  for (let i = 0; i < records.length; i++) {
    const n = rcLength[i]!;
    if (n > 0) coder.decompressInto(rcOut.subarray(rcStart[i]!, rcStart[i]! + n), back, back.length);
  }
});

// ---- FastLZ level 1: per record
const flOut = new Uint8Array(fastlzCompressBound(inputBytes) + records.length * 2);
const flStart = new Int32Array(records.length);
const flLength = new Int32Array(records.length);
let fastlzOutputBytes = 0;
const fastlzCompressPass = (): void => {
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    const n = fastlzCompressInto(rec, flOut.subarray(pos, pos + fastlzCompressBound(rec.length)), 1);
    flStart[i] = pos;
    flLength[i] = n;
    pos += n;
  }
};
fastlzCompressPass();
for (let i = 0; i < records.length; i++) {
  fastlzOutputBytes += flLength[i]!;
  const m = fastlzDecompressInto(flOut.subarray(flStart[i]!, flStart[i]! + flLength[i]!), back, back.length);
  if (m !== records[i]!.length || back.subarray(0, m).some((b, k) => b !== records[i]![k])) fail(`FastLZ round trip failed at record ${i}`);
}
const fastlzCompressMBps = throughput(inputBytes, fastlzCompressPass);
const fastlzDecompressMBps = throughput(inputBytes, () => {
  for (let i = 0; i < records.length; i++) fastlzDecompressInto(flOut.subarray(flStart[i]!, flStart[i]! + flLength[i]!), back, back.length);
});

// ---- zstd level 3, whole corpus
let zstdFrame = zstdCompress(whole, 3);
const zstdBack = zstdDecompressBounded(zstdFrame, inputBytes);
if (!zstdBack || zstdBack.length !== inputBytes || zstdBack.some((b, k) => b !== whole[k])) fail("zstd round trip failed");
const zstdEncodeMBps = throughput(inputBytes, () => {
  zstdFrame = zstdCompress(whole, 3);
});
const zstdDecodeMBps = throughput(inputBytes, () => {
  zstdDecompressBounded(zstdFrame, inputBytes);
});
// The zstd engineer's test corpus (text, JSON, game state, random, mixed...): total size.
let zstdTestCorpusBytes = 0;
let zstdTestCorpusOurs = 0;
for (const { data } of zstdTestCorpus()) {
  if (data.length === 0) continue;
  zstdTestCorpusBytes += data.length;
  zstdTestCorpusOurs += zstdCompress(data, 3).length;
}

// ---- zlib (fflate) level 6, whole corpus
let zlibStream = zlibCompress(whole, 6);
const zlibCompressMBps = throughput(inputBytes, () => {
  zlibStream = zlibCompress(whole, 6);
});
const zlibDecompressMBps = throughput(inputBytes, () => {
  zlibDecompressBounded(zlibStream, inputBytes);
});

console.log(
  JSON.stringify({
    inputBytes,
    records: records.length,
    rangeCompressMBps,
    rangeDecompressMBps,
    rangeOutputBytes,
    fastlzCompressMBps,
    fastlzDecompressMBps,
    fastlzOutputBytes,
    zstdEncodeMBps,
    zstdDecodeMBps,
    zstdOutputBytes: zstdFrame.length,
    zstdTestCorpusBytes,
    zstdTestCorpusOurs,
    zlibCompressMBps,
    zlibDecompressMBps,
    zlibOutputBytes: zlibStream.length,
  }),
);
