// Regenerates spec-tests/compress/vectors/libenet-range-coder.bin with C ENet 1.3.17's
// enet_range_coder_compress (libenet.so.7 via /usr/bin/python3 ctypes):
//   node --import tsx spec-tests/compress/support/capture-libenet-vectors.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runLibenet } from "./libenet.ts";
import { encodeVectorFile, rangeCoderVectorCases } from "./range-coder-vector-inputs.ts";

const path = fileURLToPath(new URL("../vectors/libenet-range-coder.bin", import.meta.url));
const cases = rangeCoderVectorCases();
const outputs = runLibenet(cases.map((c) => ({ op: "compress", data: c.data, outLimit: c.outLimit })));
writeFileSync(path, encodeVectorFile(outputs));
console.log(`wrote ${outputs.length} libenet outputs to ${path}`);
