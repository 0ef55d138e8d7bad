// Runs PoolByteArray.compress/decompress inside Godot 3.2.3 (godot3-server) for a batch of jobs.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const GODOT = "godot3-server";
const SCRIPT = fileURLToPath(new URL("../../godot/compress/codec_jobs.gd", import.meta.url));

export type GodotJob =
  | { op: "compress"; mode: number; data: Uint8Array }
  | { op: "decompress"; mode: number; bufferSize: number; data: Uint8Array };

/** Why godot3-server cannot be used here, or null when it can. */
export function godotUnavailableReason(): string | null {
  const probe = spawnSync("sh", ["-c", `command -v ${GODOT}`], { encoding: "utf8" });
  if (probe.status !== 0) return `${GODOT} is not installed`;
  return null;
}

/** One output per job, in order (Godot's result; empty when it failed). */
export function runGodotJobs(jobs: readonly GodotJob[]): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "packetpeer-godot-codec-"));
  try {
    writeFileSync(join(dir, "project.godot"), "");
    copyFileSync(SCRIPT, join(dir, "codec_jobs.gd"));
    const lines: string[] = [];
    jobs.forEach((job, i) => {
      writeFileSync(join(dir, `in${i}.bin`), job.data);
      lines.push(
        job.op === "compress"
          ? `compress ${job.mode} in${i}.bin out${i}.bin`
          : `decompress ${job.mode} ${job.bufferSize} in${i}.bin out${i}.bin`,
      );
    });
    writeFileSync(join(dir, "jobs.txt"), lines.join("\n") + "\n");
    const result = spawnSync(GODOT, ["--path", dir, "-s", "codec_jobs.gd"], {
      encoding: "utf8",
      timeout: 60_000,
      killSignal: "SIGKILL",
    });
    if (!String(result.stdout).includes(`JOBS DONE ${jobs.length}`)) {
      throw new Error(`godot3-server did not finish its jobs (${String(result.status ?? result.signal)}): ${result.stdout}\n${result.stderr}`);
    }
    return jobs.map((_, i) => {
      const path = join(dir, `out${i}.bin`);
      return existsSync(path) ? new Uint8Array(readFileSync(path)) : new Uint8Array(0);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
