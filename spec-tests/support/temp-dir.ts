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
    const removeAll = (): void => {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    };
    process.on("exit", removeAll);
    // Deno's test runner ends without Node's "exit" event; it dispatches "unload" on globalThis.
    (globalThis as { addEventListener?: (type: string, fn: () => void) => void }).addEventListener?.("unload", removeAll);
  }
  return dir;
}
