// Runs requests through C ENet's range coder via /usr/bin/python3 + ctypes (libenet.so.7).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./libenet_range_coder.py", import.meta.url));

export interface LibenetRequest {
  op: "compress" | "decompress";
  data: Uint8Array;
  outLimit: number;
}

/** Why libenet cannot be used here, or null when it can. */
export function libenetUnavailableReason(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import ctypes; ctypes.CDLL('libenet.so.7')"], { encoding: "utf8" });
  if (probe.status !== 0) return `libenet.so.7 not loadable: ${probe.stderr.trim()}`;
  return null;
}

/** Results in request order; an empty array is libenet's 0 ("failed / no gain"). */
export function runLibenet(requests: readonly LibenetRequest[]): Uint8Array[] {
  let size = 0;
  for (const r of requests) size += 9 + r.data.length;
  const input = new Uint8Array(size);
  const view = new DataView(input.buffer);
  let pos = 0;
  for (const r of requests) {
    view.setUint8(pos, r.op === "compress" ? 0 : 1);
    view.setUint32(pos + 1, r.outLimit, true);
    view.setUint32(pos + 5, r.data.length, true);
    input.set(r.data, pos + 9);
    pos += 9 + r.data.length;
  }
  const result = spawnSync(PYTHON, [SCRIPT], { input, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`libenet helper failed (${String(result.status ?? result.signal)}): ${String(result.stderr)}`);
  }
  const out = new Uint8Array(result.stdout.buffer, result.stdout.byteOffset, result.stdout.byteLength);
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const results: Uint8Array[] = [];
  pos = 0;
  for (let i = 0; i < requests.length; i++) {
    const n = outView.getUint32(pos, true);
    results.push(out.slice(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  if (pos !== out.length) throw new Error(`libenet helper returned ${out.length - pos} unexpected trailing bytes`);
  return results;
}
