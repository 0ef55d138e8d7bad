// Ad-hoc codec throughput on ENet-sized packets, in CPU time (stable on a busy machine), with
// libenet's range coder measured the same way through a small C harness built into .build/.
//   node --import tsx spec-tests/compress/support/measure-codecs.ts
// The project's real benchmarks live in bench/; this is what docs/compression.md quotes.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { createCompressor, CompressionMode } from "../../../src/index.ts";
import { SeededRandom } from "../../../src/util/prng.ts";
import { generate } from "./corpus.ts";

const PACKET = 1200;
const COUNT = 2000;
const rng = new SeededRandom(1);
const packets: Uint8Array[] = [];
for (let i = 0; i < COUNT; i++) packets.push(generate(i % 2 ? "enet" : "text", rng, PACKET));
const total = PACKET * COUNT;

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

function bench(name: string, fn: () => void): void {
  fn();
  fn();
  const start = process.cpuUsage();
  let reps = 0;
  do {
    fn();
    reps++;
  } while (cpuSeconds(start) < 1.5);
  console.log(`${name.padEnd(24)} ${((total * reps) / 1e6 / cpuSeconds(start)).toFixed(1)} MB/s`);
}

for (const [name, mode] of [
  ["RANGE_CODER", CompressionMode.RANGE_CODER],
  ["FASTLZ", CompressionMode.FASTLZ],
  ["ZLIB", CompressionMode.ZLIB],
  ["ZSTD", CompressionMode.ZSTD],
] as const) {
  const c = createCompressor(mode)!;
  const compressed = packets.map((p) => c.compress(p, 4096)!);
  const ratio = compressed.reduce((n, z) => n + z.length, 0) / total;
  console.log(`${name}: compressed size ${(ratio * 100).toFixed(1)} % of input`);
  bench(`${name} compress`, () => {
    for (const p of packets) c.compress(p, p.length);
  });
  bench(`${name} decompress`, () => {
    for (const z of compressed) c.decompress(z, 4092);
  });
}

// libenet on the same packets.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const build = join(root, ".build");
mkdirSync(build, { recursive: true });
const data = new Uint8Array(total);
packets.forEach((p, i) => data.set(p, i * PACKET));
writeFileSync(join(build, "range-coder-packets.bin"), data);
const source = join(build, "range-coder-bench.c");
writeFileSync(
  source,
  `#include <enet/enet.h>
#include <stdio.h>
#include <time.h>
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static unsigned char in[${total}], out[8192], packed[${COUNT}][8192];
static size_t packedLength[${COUNT}];
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb"); if (!f || fread(in, 1, sizeof in, f) != sizeof in) return 1; fclose(f);
  void *rc = enet_range_coder_create(); size_t sink = 0; int reps = 0; double start = cpu();
  do { for (int i = 0; i < ${COUNT}; i++) { ENetBuffer b = { .data = in + i * ${PACKET}, .dataLength = ${PACKET} }; sink += enet_range_coder_compress(rc, &b, 1, ${PACKET}, out, ${PACKET}); } reps++; } while (cpu() - start < 1.5);
  printf("libenet RANGE_CODER compress %.1f MB/s\\n", (double) reps * ${total} / 1e6 / (cpu() - start));
  for (int i = 0; i < ${COUNT}; i++) { ENetBuffer b = { .data = in + i * ${PACKET}, .dataLength = ${PACKET} }; packedLength[i] = enet_range_coder_compress(rc, &b, 1, ${PACKET}, packed[i], 8192); }
  reps = 0; start = cpu();
  do { for (int i = 0; i < ${COUNT}; i++) sink += enet_range_coder_decompress(rc, packed[i], packedLength[i], out, 4092); reps++; } while (cpu() - start < 1.5);
  printf("libenet RANGE_CODER decompress %.1f MB/s\\n", (double) reps * ${total} / 1e6 / (cpu() - start));
  return sink == 0;
}
`,
);
const binary = join(build, "range-coder-bench");
const cc = spawnSync("cc", ["-O2", "-o", binary, source, "-lenet"], { encoding: "utf8" });
if (cc.status !== 0) console.log(`(libenet comparison skipped: ${cc.stderr.trim()})`);
else console.log(spawnSync(binary, [join(build, "range-coder-packets.bin")], { encoding: "utf8" }).stdout.trim());
