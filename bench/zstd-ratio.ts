/**
 * Output size of our zstd encoder against the reference `zstd` CLI on the same
 * inputs, plus our compression speed. Not a test: it prints a table.
 *
 *   node --import tsx bench/zstd-ratio.ts [level] [--files]
 *
 * The reference is `zstd -<level> --no-check` (no checksum, like our frames;
 * `--ultra` added above level 19).
 * With --files, a few real files present on most machines are added
 * (typescript.js, lib.dom.d.ts, a license text, the zstd binary itself).
 * With --datagrams, it instead compares ENet-datagram-sized inputs (60..1400
 * bytes of JSON, game state and text; 20 of each size), summed per kind and size.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { decompress } from "fzstd";
import { zstdCompress } from "../src/compress/zstd/encoder.ts";
import { gameStateCorpus, jsonCorpus, textCorpus, zstdTestCorpus } from "../spec-tests/compress/zstd-encoder-corpus.ts";

const level = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
const withFiles = process.argv.includes("--files");
const datagrams = process.argv.includes("--datagrams");

const inputs = zstdTestCorpus().filter((e) => e.data.length > 0);
if (withFiles) {
  const files = [
    "node_modules/typescript/lib/typescript.js",
    "node_modules/typescript/lib/lib.dom.d.ts",
    "node_modules/fflate/lib/index.cjs",
    "/usr/share/common-licenses/GPL-3",
    "/usr/bin/zstd",
  ];
  for (const f of files) if (existsSync(f)) inputs.push({ name: f.split("/").pop()!, data: new Uint8Array(readFileSync(f)) });
}

function reference(data: Uint8Array): number {
  // Levels above 19 need --ultra, or the CLI silently clamps them to 19.
  const levelArgs = level > 19 ? ["--ultra", `-${level}`] : [`-${level}`];
  const r = spawnSync("zstd", [...levelArgs, "--no-check", "-q", "-c"], { input: data, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`zstd failed: ${String(r.stderr)}`);
  return r.stdout.length;
}

if (datagrams) {
  const kinds = { json: jsonCorpus, "game state": gameStateCorpus, text: textCorpus };
  let allOurs = 0;
  let allTheirs = 0;
  console.log(`level ${level}; 20 inputs per row; ratio = ours / zstd CLI`);
  console.log("kind".padEnd(12) + "size".padStart(6) + "ours".padStart(8) + "zstd".padStart(8) + "ratio".padStart(8) + "us/call".padStart(9));
  for (const [kind, make] of Object.entries(kinds)) {
    for (const size of [60, 150, 400, 1000, 1400]) {
      const inputs = Array.from({ length: 20 }, (_, i) => make(size, 1000 + i));
      let sumOurs = 0;
      let sumTheirs = 0;
      for (const d of inputs) {
        sumOurs += zstdCompress(d, level).length;
        sumTheirs += reference(d);
      }
      for (let r = 0; r < 50; r++) for (const d of inputs) zstdCompress(d, level); // warm-up
      const t0 = performance.now();
      for (let r = 0; r < 200; r++) for (const d of inputs) zstdCompress(d, level);
      const us = ((performance.now() - t0) * 1000) / (200 * inputs.length);
      allOurs += sumOurs;
      allTheirs += sumTheirs;
      console.log(
        kind.padEnd(12) + String(size).padStart(6) + String(sumOurs).padStart(8) + String(sumTheirs).padStart(8) +
          (sumOurs / sumTheirs).toFixed(3).padStart(8) + us.toFixed(1).padStart(9),
      );
    }
  }
  console.log("TOTAL".padEnd(18) + String(allOurs).padStart(8) + String(allTheirs).padStart(8) + (allOurs / allTheirs).toFixed(3).padStart(8));
  process.exit(0);
}

let ours = 0;
let theirs = 0;
let bytes = 0;
let ms = 0;
console.log(`level ${level}; sizes in bytes; ratio = ours / zstd CLI`);
console.log("input".padEnd(30) + "size".padStart(10) + "ours".padStart(10) + "zstd".padStart(10) + "ratio".padStart(8) + "MB/s".padStart(8));
for (const { name, data } of inputs) {
  zstdCompress(data, level); // warm-up
  const runs = data.length < 1 << 20 ? 5 : 2;
  const t0 = performance.now();
  let frame: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < runs; i++) frame = zstdCompress(data, level);
  const elapsed = (performance.now() - t0) / runs;
  const back = decompress(frame);
  if (back.length !== data.length || back.some((b, i) => b !== data[i])) throw new Error(`${name}: round trip failed`);
  const ref = reference(data);
  ours += frame.length;
  theirs += ref;
  bytes += data.length;
  ms += elapsed;
  const mbps = data.length / 1e6 / (elapsed / 1000);
  console.log(
    name.padEnd(30) +
      String(data.length).padStart(10) +
      String(frame.length).padStart(10) +
      String(ref).padStart(10) +
      (frame.length / ref).toFixed(3).padStart(8) +
      mbps.toFixed(1).padStart(8),
  );
}
console.log(
  "TOTAL".padEnd(30) +
    String(bytes).padStart(10) +
    String(ours).padStart(10) +
    String(theirs).padStart(10) +
    (ours / theirs).toFixed(3).padStart(8) +
    (bytes / 1e6 / (ms / 1000)).toFixed(1).padStart(8),
);
