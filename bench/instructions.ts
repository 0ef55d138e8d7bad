// Machine instructions per packet of the ENet hot path, counted by valgrind's callgrind: a figure
// that repeats to about 1 % where wall-clock rates vary by 15 % from run to run (a shared VM), so a
// change of a few percent can be seen. It runs bench/macro/enet-memory-loop.ts (the whole public
// stack over MemoryNetwork, virtual clock, no timing in it) twice, at COUNT1 and COUNT2 packets,
// and divides the difference by COUNT2 - COUNT1, which leaves start-up out. Node runs with
// --single-threaded so that optimizing compiles happen at the same points in every run, and with
// --perf-basic-prof so that JIT-compiled functions can be named. Instructions are not time (cache
// misses, allocation and the kernel are not in them); use them to compare two versions of the code.
// usage: npm run bench:instructions -- [SIZE=64] [COUNT1=50000] [COUNT2=150000] [TOP=30]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [sizeArg = "64", count1Arg = "50000", count2Arg = "150000", topArg = "30"] = process.argv.slice(2);
const size = Number(sizeArg);
const count1 = Number(count1Arg);
const count2 = Number(count2Arg);
const top = Number(topArg);
if (![size, count1, count2, top].every(Number.isInteger) || size < 1 || count1 < 1 || count2 <= count1 || top < 1) {
  console.error("usage: npm run bench:instructions -- [SIZE>=1] [COUNT1>=1] [COUNT2>COUNT1] [TOP>=1]");
  process.exit(2);
}
if (spawnSync("valgrind", ["--version"]).status !== 0) {
  console.error("valgrind is not installed (Debian: apt-get install valgrind)");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "packetpeer-instructions-"));
const bundle = join(dir, "enet-memory-loop.mjs");
const esbuild = await import("esbuild");
await esbuild.build({
  entryPoints: [new URL("./macro/enet-memory-loop.ts", import.meta.url).pathname],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "esm",
  logLevel: "error",
});

interface Run {
  /** Instructions by function (self cost). */
  byFunction: Map<string, number>;
  datagrams: number;
}

function run(count: number): Run {
  const out = join(dir, `callgrind.${count}.out`);
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, "--smc-check=all-non-file", process.execPath, "--single-threaded", "--perf-basic-prof", bundle, String(size), String(count)],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`callgrind run of ${count} packets failed:\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { datagrams: number };
  const text = readFileSync(out, "utf8");
  const pid = /^pid: (\d+)$/m.exec(text)?.[1];
  const mapPath = `/tmp/perf-${pid}.map`;
  let symbols: { start: number; end: number; name: string }[] = [];
  try {
    symbols = readFileSync(mapPath, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => {
        const [start, length, ...name] = l.split(" ");
        const s = parseInt(start!, 16);
        return { start: s, end: s + parseInt(length!, 16), name: name.join(" ").replace(/file:\/\/\S*\//, "") };
      })
      .sort((a, b) => a.start - b.start);
  } finally {
    rmSync(mapPath, { force: true });
  }
  const nameOf = (raw: string): string => {
    const m = /^0x([0-9a-f]+)/.exec(raw);
    if (m === null) return raw;
    const address = parseInt(m[1]!, 16);
    let lo = 0;
    let hi = symbols.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = symbols[mid]!;
      if (address < s.start) hi = mid - 1;
      else if (address >= s.end) lo = mid + 1;
      else return s.name;
    }
    return raw;
  };
  // callgrind's format: "fn=(id) name" names a function once, "fn=(id)" after; cost lines follow;
  // the cost line after "calls=" is a call's inclusive cost, not the caller's own.
  const names = new Map<string, string>();
  const byFunction = new Map<string, number>();
  let current = "";
  let afterCalls = false;
  for (const line of text.split("\n")) {
    const fn = /^(c?)fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (fn !== null) {
      if (fn[3] !== undefined) names.set(fn[2]!, nameOf(fn[3]));
      if (fn[1] === "") current = names.get(fn[2]!) ?? fn[2]!;
      continue;
    }
    if (line.startsWith("calls=")) {
      afterCalls = true;
      continue;
    }
    const cost = /^[+\-*0-9]\S*\s+(\d+)/.exec(line);
    if (cost === null) continue;
    if (afterCalls) afterCalls = false;
    else byFunction.set(current, (byFunction.get(current) ?? 0) + Number(cost[1]));
  }
  return { byFunction, datagrams: result.datagrams };
}

try {
  const a = run(count1);
  const b = run(count2);
  const packets = count2 - count1;
  const perPacket = new Map<string, number>();
  for (const [name, n] of b.byFunction) perPacket.set(name, (n - (a.byFunction.get(name) ?? 0)) / packets);
  for (const [name, n] of a.byFunction) if (!b.byFunction.has(name)) perPacket.set(name, -n / packets);
  const total = [...perPacket.values()].reduce((s, n) => s + n, 0);
  const gcOrCompile = /Marking|Sweep|MarkCompact|Scaveng|Evacuat|compiler::|Heap::|BodyDescriptor|LiveObject|SizeFromMap|RelocIterator|CppMarking|RecordMigrated/;
  const collectorAndCompiler = [...perPacket].filter(([name]) => gcOrCompile.test(name)).reduce((s, [, n]) => s + n, 0);
  console.log(`reliable ${size} B, ${count1} -> ${count2} packets, node ${process.version}`);
  console.log(`instructions per packet: ${total.toFixed(0)} (of which garbage collector and optimizing compiler: ${collectorAndCompiler.toFixed(0)}, which vary with heap size and timing)`);
  console.log(`instructions per packet outside them: ${(total - collectorAndCompiler).toFixed(0)}`);
  console.log(`datagrams per packet: ${((b.datagrams - a.datagrams) / packets).toFixed(4)} (MemoryNetwork's own send, sendDatagram, is in the count)`);
  console.log(`top ${top} functions by own instructions per packet ("*" optimized, "^" baseline):`);
  for (const [name, n] of [...perPacket].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${n.toFixed(1).padStart(9)}  ${name.slice(0, 110)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
