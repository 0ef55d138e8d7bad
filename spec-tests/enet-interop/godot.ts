/** Starting the Godot 3.2.3 scripts under spec-tests/godot/enet for interop tests and captures. */
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { JsonLineProcess, repoRoot } from "./harness.ts";

export const godotProjectDir = join(repoRoot, "spec-tests", "godot", "enet");

let available: true | { skip: string } | undefined;

/** True when godot3-server runs here; otherwise the reason to skip. */
export function godotAvailable(): true | { skip: string } {
  if (available) return available;
  const r = spawnSync("godot3-server", ["--version"], { encoding: "utf8", timeout: 10000 });
  // Godot 3.2.3 prints its version and exits with status 255, so only the output counts.
  if (r.error) available = { skip: `godot3-server is not installed (${r.error.message})` };
  else if (!/^3\./m.test(r.stdout)) available = { skip: `godot3-server is not Godot 3: ${(r.stdout + r.stderr).trim().slice(0, 200)}` };
  else available = true;
  return available;
}

/** A UDP port that was free a moment ago (Godot 3 cannot report the port it bound to). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** Run mp_peer.gd with key=value arguments; resolves once it printed `ready`. */
export async function startGodotPeer(args: Record<string, string | number>): Promise<JsonLineProcess> {
  const argv = ["--path", godotProjectDir, "-s", "mp_peer.gd", "--", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)];
  const proc = new JsonLineProcess("godot3-server", argv, { cwd: godotProjectDir });
  try {
    const ready = await proc.waitFor((e) => e.ev === "ready", 15000);
    if (ready.err !== 0) throw new Error(`Godot peer failed to start: ${JSON.stringify(ready)}`);
    return proc;
  } catch (e) {
    proc.kill();
    throw e;
  }
}
