// The inputs of the committed Godot 3.2.3 vector set (spec-tests/compress/vectors/godot3),
// regenerated from a seed so only the compressed outputs need to be stored.
import { SeededRandom } from "../../../src/util/prng.ts";
import { generate } from "./corpus.ts";

export const GODOT3_MODES = { FASTLZ: 0, DEFLATE: 1, ZSTD: 2, GZIP: 3 } as const;
export type Godot3ModeName = keyof typeof GODOT3_MODES;

export interface VectorInput {
  name: string;
  data: Uint8Array;
}

export function vectorInputs(): VectorInput[] {
  const rng = new SeededRandom(0x60d07);
  return [
    { name: "tiny-5-zeros", data: new Uint8Array(5) },
    { name: "tiny-3-text", data: generate("text", rng, 3) },
    { name: "exact-16-text", data: generate("text", rng, 16) },
    { name: "text-200", data: generate("text", rng, 200) },
    { name: "enet-1400", data: generate("enet", rng, 1400) },
    { name: "random-300", data: generate("random", rng, 300) },
    { name: "pattern-4000", data: generate("pattern", rng, 4000) },
    // 64 KiB and up: Godot's FastLZ switches to level 2.
    { name: "pattern-70000", data: generate("pattern", rng, 70_000) },
  ];
}
