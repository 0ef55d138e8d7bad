// Inputs of the committed libenet range-coder vectors (spec-tests/compress/vectors/libenet-range-coder.bin),
// regenerated from a seed; the file stores only libenet's outputs.
import { SeededRandom } from "../../../src/util/prng.ts";
import { CORPUS_KINDS, corpusLength, generate } from "./corpus.ts";

export interface RangeCoderVectorCase {
  data: Uint8Array;
  outLimit: number;
}

export function rangeCoderVectorCases(): RangeCoderVectorCase[] {
  const rng = new SeededRandom(0x11be7);
  const cases: RangeCoderVectorCase[] = [];
  for (let i = 0; i < 120; i++) {
    const data = generate(CORPUS_KINDS[i % CORPUS_KINDS.length]!, rng, corpusLength(rng, 4096));
    cases.push({ data, outLimit: i % 3 === 0 ? 4096 : data.length });
  }
  // Long enough to fill the 4096-symbol pool and restart the model.
  cases.push({ data: generate("random", rng, 9000), outLimit: 20_000 });
  return cases;
}

/** The vector file: per case, u32le length then libenet's output bytes (length 0 = libenet returned 0). */
export function encodeVectorFile(outputs: readonly Uint8Array[]): Uint8Array {
  const size = outputs.reduce((n, o) => n + 4 + o.length, 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  let pos = 0;
  for (const o of outputs) {
    view.setUint32(pos, o.length, true);
    file.set(o, pos + 4);
    pos += 4 + o.length;
  }
  return file;
}

export function decodeVectorFile(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const outputs: Uint8Array[] = [];
  let pos = 0;
  while (pos < file.length) {
    const n = view.getUint32(pos, true);
    outputs.push(file.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return outputs;
}
