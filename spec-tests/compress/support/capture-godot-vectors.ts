// Regenerates spec-tests/compress/vectors/godot3 from godot3-server (Godot 3.2.3):
//   node --import tsx spec-tests/compress/support/capture-godot-vectors.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { runGodotJobs, type GodotJob } from "./godot.ts";
import { GODOT3_MODES, vectorInputs } from "./godot-vector-inputs.ts";

const dir = fileURLToPath(new URL("../vectors/godot3", import.meta.url));
mkdirSync(dir, { recursive: true });
const inputs = vectorInputs();
const jobs: GodotJob[] = [];
const names: string[] = [];
for (const input of inputs) {
  for (const [modeName, mode] of Object.entries(GODOT3_MODES)) {
    jobs.push({ op: "compress", mode, data: input.data });
    names.push(`${input.name}.${modeName}.bin`);
  }
}
const outputs = runGodotJobs(jobs);
outputs.forEach((out, i) => writeFileSync(join(dir, names[i]!), out));
console.log(`wrote ${outputs.length} vectors to ${dir}`);
