// src/ type-checks without Node's ambient types and with noUncheckedIndexedAccess
// (tsconfig.src.json), and the runtime adapters type-check with Node's types under the same
// strictness (tsconfig.adapters.json). Node only: the compiler is the same on every runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const skip = process.env.PACKETPEER_TEST_RUNTIME && process.env.PACKETPEER_TEST_RUNTIME !== "node" ? "the type check runs once, on Node" : false;

for (const project of ["tsconfig.src.json", "tsconfig.adapters.json"]) {
  test(`tsc -p ${project} reports no error`, { skip, timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", project], { cwd: root, encoding: "utf8", timeout: 110_000 });
    assert.equal(r.error, undefined);
    assert.equal(r.stdout + r.stderr, "");
    assert.equal(r.status, 0);
  });
}
