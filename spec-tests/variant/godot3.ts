// Runs Variant jobs inside Godot 3.2.3 (godot3-server): see spec-tests/godot/variant/variant_jobs.gd.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readBlobs, writeBlobs } from "./support.ts";

const GODOT = "godot3-server";
const SCRIPT = fileURLToPath(new URL("../godot/variant/variant_jobs.gd", import.meta.url));

export function godot3UnavailableReason(): string | null {
  const probe = spawnSync("sh", ["-c", `command -v ${GODOT}`], { encoding: "utf8" });
  return probe.status === 0 ? null : `${GODOT} is not installed`;
}

export type Godot3Job =
  | { op: "generate"; seed: number; perType: number }
  | { op: "roundtrip"; blobs: readonly Uint8Array[] }
  | { op: "streampeer"; blobs: readonly Uint8Array[] }
  | { op: "tolerant"; blobs: readonly Uint8Array[] };

/** One Godot run for all jobs; per job the output blob lists (streampeer: little-endian then big-endian). */
export function runGodot3VariantJobs(jobs: readonly Godot3Job[]): Uint8Array[][][] {
  const dir = mkdtempSync(join(tmpdir(), "packetpeer-godot-variant-"));
  try {
    writeFileSync(join(dir, "project.godot"), "");
    copyFileSync(SCRIPT, join(dir, "variant_jobs.gd"));
    const lines = jobs.map((job, i) => {
      if (job.op === "generate") return `generate ${job.seed} ${job.perType} out${i}.bin`;
      writeFileSync(join(dir, `in${i}.bin`), writeBlobs(job.blobs));
      return job.op === "streampeer" ? `streampeer in${i}.bin out${i}.bin out${i}b.bin` : `${job.op} in${i}.bin out${i}.bin`;
    });
    writeFileSync(join(dir, "jobs.txt"), lines.join("\n") + "\n");
    const result = spawnSync(GODOT, ["--path", dir, "-s", "variant_jobs.gd"], {
      encoding: "utf8",
      timeout: 30_000,
      killSignal: "SIGKILL",
    });
    if (!String(result.stdout).includes(`JOBS DONE ${jobs.length}`)) {
      throw new Error(`godot3-server did not finish (${String(result.status ?? result.signal)}): ${result.stdout}\n${result.stderr}`);
    }
    const read = (name: string): Uint8Array[] =>
      existsSync(join(dir, name)) ? readBlobs(new Uint8Array(readFileSync(join(dir, name)))) : [];
    return jobs.map((job, i) => (job.op === "streampeer" ? [read(`out${i}.bin`), read(`out${i}b.bin`)] : [read(`out${i}.bin`)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
