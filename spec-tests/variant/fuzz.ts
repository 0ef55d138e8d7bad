// Seeded mutation fuzzing of the Variant decoder. Inputs are valid encodings of
// random values (both protocols) with bits flipped, bytes and 32-bit words
// overwritten by boundary values (huge counts, type ids, lengths), truncations,
// insertions and splices. Each input must either decode or fail with a NetError;
// a decoded value must re-encode, and its encoding must decode back to the same
// bytes (the canonical form is stable). Anything else is reported.
import { NetError } from "../../src/errors.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { bytesToVar, varToBytes, type VariantOptions, type VariantProtocol } from "../../src/variant/index.ts";
import { RandomVariants } from "./random-values.ts";
import { hex } from "./support.ts";

const BOUNDARY_WORDS = [0, 1, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

export interface FuzzStats {
  inputs: number;
  decoded: number;
  rejected: number;
  maxCaseMs: number;
  failures: string[];
}

function mutate(rng: SeededRandom, valid: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  const steps = 1 + rng.nextInt(3);
  let out = valid.slice();
  for (let s = 0; s < steps; s++) {
    switch (rng.nextInt(8)) {
      case 0:
        if (out.length) out[rng.nextInt(out.length)]! ^= 1 << rng.nextInt(8);
        break;
      case 1:
        if (out.length) out[rng.nextInt(out.length)] = rng.nextInt(256);
        break;
      case 2:
      case 3: {
        // A 32-bit word at a 4-aligned offset: where headers, counts and lengths live.
        if (out.length < 4) break;
        const at = rng.nextInt(out.length >>> 2) * 4;
        const word = rng.chance(0.7) ? BOUNDARY_WORDS[rng.nextInt(BOUNDARY_WORDS.length)]! : rng.nextU32();
        new DataView(out.buffer, out.byteOffset).setUint32(at, rng.chance(0.3) ? word | (rng.nextInt(16) << 16) : word, true);
        break;
      }
      case 4:
        out = out.slice(0, rng.nextInt(out.length + 1));
        break;
      case 5: {
        const at = rng.nextInt(out.length + 1);
        const insert = Uint8Array.from({ length: 1 + rng.nextInt(8) }, () => rng.nextInt(256));
        const grown = new Uint8Array(out.length + insert.length);
        grown.set(out.subarray(0, at));
        grown.set(insert, at);
        grown.set(out.subarray(at), at + insert.length);
        out = grown;
        break;
      }
      case 6: {
        // Splice another valid encoding in at a word boundary.
        const other = corpus[rng.nextInt(corpus.length)]!;
        const at = rng.nextInt((out.length >>> 2) + 1) * 4;
        const grown = new Uint8Array(at + other.length);
        grown.set(out.subarray(0, at));
        grown.set(other, at);
        out = grown;
        break;
      }
      default: {
        // A deep nest of containers in front.
        const depth = rng.nextInt(1200);
        const nest = new Uint8Array(depth * 8 + out.length);
        const dv = new DataView(nest.buffer);
        for (let i = 0; i < depth; i++) {
          dv.setUint32(i * 8, rng.chance(0.5) ? 28 : 19, true);
          dv.setUint32(i * 8 + 4, 1, true);
        }
        nest.set(out, depth * 8);
        out = nest;
      }
    }
  }
  return out;
}

/** Run `iterations` mutated inputs for one protocol from one seed. */
/** A case taking longer than this is timed twice more (see fuzzVariantDecoder). */
const SLOW_CASE_MS = 50;

/** Decode one input; a decoded value must re-encode to a canonical form that is stable. */
function decodeAndReencode(input: Uint8Array, options: VariantOptions): "decoded" | "rejected" | Error {
  let value: unknown;
  try {
    value = bytesToVar(input, options);
  } catch (error) {
    return error instanceof NetError ? "rejected" : (error as Error);
  }
  try {
    const canonical = varToBytes(value, options);
    const again = varToBytes(bytesToVar(canonical, options), options);
    if (hex(again) !== hex(canonical)) return new Error(`canonical form not stable: ${hex(canonical)} -> ${hex(again)}`);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return "decoded";
}

export function fuzzVariantDecoder(protocol: VariantProtocol, seed: number, iterations: number): FuzzStats {
  const rng = new SeededRandom(seed);
  const random = new RandomVariants(seed ^ 0x5eed, protocol);
  const corpus: Uint8Array[] = [];
  for (let i = 0; i < 400; i++) corpus.push(varToBytes(random.any(3), { protocol }));
  const stats: FuzzStats = { inputs: 0, decoded: 0, rejected: 0, maxCaseMs: 0, failures: [] };
  for (let i = 0; i < iterations; i++) {
    const input = mutate(rng, corpus[rng.nextInt(corpus.length)]!, corpus);
    const options: VariantOptions = { protocol, allowObjects: rng.chance(0.5) };
    stats.inputs++;
    const timed = (): { outcome: "decoded" | "rejected" | Error; ms: number } => {
      const started = performance.now();
      const outcome = decodeAndReencode(input, options);
      return { outcome, ms: performance.now() - started };
    };
    const first = timed();
    // A slow case is timed again: a machine's stall (GC, another process) does not repeat, a
    // decoder that is slow on this input does; the fastest of three is the case's time.
    let ms = first.ms;
    if (ms > SLOW_CASE_MS) for (let k = 0; k < 2; k++) ms = Math.min(ms, timed().ms);
    if (ms > stats.maxCaseMs) stats.maxCaseMs = ms;
    if (first.outcome === "decoded") stats.decoded++;
    else if (first.outcome === "rejected") stats.rejected++;
    else if (stats.failures.length < 10) stats.failures.push(`${protocol} seed ${seed} #${i} input ${hex(input).slice(0, 400)}: ${String(first.outcome)}`);
  }
  return stats;
}
