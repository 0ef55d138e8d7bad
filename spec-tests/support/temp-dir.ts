// A scratch directory under the OS temp dir that is removed when the test process exits,
// for files a real peer (openssl, Godot) must read by path.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
let hooked = false;

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `packetpeer-${prefix}-`));
  made.push(dir);
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
