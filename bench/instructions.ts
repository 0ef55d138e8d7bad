// Machine instructions per packet of the ENet hot path, counted by valgrind's callgrind: a figure
// that repeats to about 1 % where wall-clock rates vary by 15 % from run to run (a shared VM), so a
// change of a few percent can be seen. It runs bench/macro/enet-memory-loop.ts (the whole public
// stack over MemoryNetwork, virtual clock, no timing in it) twice, at COUNT1 and COUNT2 packets,
// and divides the difference by COUNT2 - COUNT1, which leaves start-up out. Node runs with
// --single-threaded so that optimizing compiles happen at the same points in every run, and with
// --perf-basic-prof so that JIT-compiled functions can be named. Instructions are not time (cache
// misses, allocation and the kernel are not in them); use them to compare two versions of the code.
//
// With `loopback` first it counts the real-socket pair instead, both on 127.0.0.1: the ENet loopback
// harness (bench/macro/enet-loopback.ts, reliable, no warm-up) and the bare node:dgram loop it is
// compared with in bench/RESULTS.md (bench/macro/udp-ceiling.ts, datagrams 10 B larger, ENet's
// header and command), and prints both per-packet counts, their ratio and where they go. User-space
// instructions only: the kernel's work is not in them (about the same per datagram for both; ENet
// also sends its acknowledgements, one datagram per few dozen packets here).
// usage: npm run bench:instructions -- [SIZE=64] [COUNT1=50000] [COUNT2=150000] [TOP=30]
//        npm run bench:instructions -- loopback [SIZE=1200] [COUNT1=40000] [COUNT2=100000] [TOP=30]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const loopback = process.argv[2] === "loopback";
const defaults = loopback ? ["1200", "40000", "100000", "30"] : ["64", "50000", "150000", "30"];
const [sizeArg = defaults[0]!, count1Arg = defaults[1]!, count2Arg = defaults[2]!, topArg = defaults[3]!] = process.argv.slice(loopback ? 3 : 2);
const size = Number(sizeArg);
const count1 = Number(count1Arg);
const count2 = Number(count2Arg);
const top = Number(topArg);
if (![size, count1, count2, top].every(Number.isInteger) || size < 1 || count1 < 1 || count2 <= count1 || top < 1) {
  console.error("usage: npm run bench:instructions -- [loopback] [SIZE>=1] [COUNT1>=1] [COUNT2>COUNT1] [TOP>=1]");
  process.exit(2);
}
if (spawnSync("valgrind", ["--version"]).status !== 0) {
  console.error("valgrind is not installed (Debian: apt-get install valgrind)");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "packetpeer-instructions-"));
/** `bench/macro/NAME.ts` bundled into one file, so that the perf map names its functions by line. */
async function bundleOf(name: string): Promise<string> {
  const outfile = join(dir, `${name}.mjs`);
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [new URL(`./macro/${name}.ts`, import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "error",
  });
  return outfile;
}

interface Run {
  /** Instructions by function (self cost). */
  byFunction: Map<string, number>;
  /** The harness's last output line, parsed. */
  result: { received: number; datagrams?: number };
}

let runs = 0;
function run(bundle: string, args: string[]): Run {
  const out = join(dir, `callgrind.${runs++}.out`);
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, "--smc-check=all-non-file", process.execPath, "--single-threaded", "--perf-basic-prof", bundle, ...args],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`callgrind run of ${args.join(" ")} failed:\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Run["result"];
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
  return { byFunction, result };
}

/** Instructions per packet by function between two runs of the same harness (start-up cancels out). */
function perPacketBetween(a: Run, b: Run): { perPacket: Map<string, number>; packets: number } {
  const packets = b.result.received - a.result.received;
  if (!(packets > 0)) throw new Error(`the longer run received no more packets (${a.result.received} -> ${b.result.received})`);
  const perPacket = new Map<string, number>();
  for (const [name, n] of b.byFunction) perPacket.set(name, (n - (a.byFunction.get(name) ?? 0)) / packets);
  for (const [name, n] of a.byFunction) if (!b.byFunction.has(name)) perPacket.set(name, -n / packets);
  return { perPacket, packets };
}

const sum = (m: Map<string, number>, keep: (name: string) => boolean = () => true): number =>
  [...m].filter(([name]) => keep(name)).reduce((s, [, n]) => s + n, 0);
const gcOrCompile = /Marking|Sweep|MarkCompact|Scaveng|Evacuat|compiler::|Heap::|BodyDescriptor|LiveObject|SizeFromMap|RelocIterator|CppMarking|RecordMigrated/;

function printTop(perPacket: Map<string, number>): void {
  console.log(`top ${top} functions by own instructions per packet ("*" optimized, "^" baseline):`);
  for (const [name, n] of [...perPacket].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${n.toFixed(1).padStart(9)}  ${name.slice(0, 110)}`);
}

/** Where the instructions go, by who runs them (the bundle is the harness and, for ENet, packetpeer). */
function byOwner(perPacket: Map<string, number>, bundleName: string): string {
  const owner = (name: string): string => {
    if (gcOrCompile.test(name)) return "collector and compiler";
    if (name.includes(bundleName)) return "JS of the bundle";
    if (/^JS:.*node:/.test(name)) return "Node's own JS";
    if (name.startsWith("Builtins_")) return "V8 builtins";
    if (name.startsWith("v8::")) return "V8 runtime";
    if (/^(node::|uv_|uv__)/.test(name)) return "Node and libuv C++";
    return "libc and the rest";
  };
  const totals = new Map<string, number>();
  for (const [name, n] of perPacket) totals.set(owner(name), (totals.get(owner(name)) ?? 0) + n);
  return [...totals].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n.toFixed(0)}`).join(", ");
}

try {
  if (loopback) {
    const enet = await bundleOf("enet-loopback");
    const bare = await bundleOf("udp-ceiling");
    const enetArgs = (count: number): string[] => ["reliable", String(size), String(count), "none", "512", "0"];
    // The bare loop under valgrind: 128 datagrams in flight, not 512, and 30 s of silence before it
    // gives up, not 250 ms. Its socket's 256 KiB buffer holds about 170 datagrams of this size; a
    // datagram lost shuts its window by one for good (it has no retransmission), and with the
    // receiver slowed down by valgrind losses went on until a few datagrams a turn were left, which
    // put the turn's own cost into the per-datagram count. 128 never overflow it, and libuv reads 32
    // a turn either way. One optimizing compile under valgrind takes longer than 250 ms.
    const bareArgs = (count: number): string[] => [String(size + 10), String(count), "128", "0", "30000"];
    const ours = perPacketBetween(run(enet, enetArgs(count1)), run(enet, enetArgs(count2)));
    const loop = perPacketBetween(run(bare, bareArgs(count1)), run(bare, bareArgs(count2)));
    const oursTotal = sum(ours.perPacket, (n) => !gcOrCompile.test(n));
    const loopTotal = sum(loop.perPacket, (n) => !gcOrCompile.test(n));
    console.log(`reliable ${size} B over 127.0.0.1, ${count1} -> ${count2} packets, node ${process.version}; user-space instructions per packet outside the collector and the optimizing compiler:`);
    console.log(`  packetpeer ENet (bench/macro/enet-loopback.ts): ${oursTotal.toFixed(0)} (${ours.packets} packets between the runs)`);
    console.log(`  bare node:dgram loop, ${size + 10} B datagrams (bench/macro/udp-ceiling.ts): ${loopTotal.toFixed(0)} (${loop.packets} datagrams)`);
    console.log(`  ratio (bare / ENet): ${(loopTotal / oursTotal).toFixed(2)}x; ENet's extra: ${(oursTotal - loopTotal).toFixed(0)} per packet`);
    console.log(`  ENet by owner: ${byOwner(ours.perPacket, "enet-loopback.mjs")}`);
    console.log(`  bare loop by owner: ${byOwner(loop.perPacket, "udp-ceiling.mjs")}`);
    printTop(ours.perPacket);
    // The gap itself: by function, what ENet spends beyond the bare loop (both harnesses' own JS
    // differ in name, so they show up on both sides).
    const extra = new Map<string, number>();
    for (const [name, n] of ours.perPacket) extra.set(name, n - (loop.perPacket.get(name) ?? 0));
    for (const [name, n] of loop.perPacket) if (!ours.perPacket.has(name)) extra.set(name, -n);
    for (const name of [...extra.keys()]) if (gcOrCompile.test(name)) extra.delete(name);
    console.log(`top ${top} functions by ENet's extra instructions per packet (ENet minus the bare loop):`);
    for (const [name, n] of [...extra].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${n.toFixed(1).padStart(9)}  ${name.slice(0, 110)}`);
  } else {
    const bundle = await bundleOf("enet-memory-loop");
    const args = (count: number): string[] => [String(size), String(count)];
    const a = run(bundle, args(count1));
    const b = run(bundle, args(count2));
    const { perPacket, packets } = perPacketBetween(a, b);
    const total = sum(perPacket);
    const collectorAndCompiler = sum(perPacket, (name) => gcOrCompile.test(name));
    console.log(`reliable ${size} B, ${count1} -> ${count2} packets, node ${process.version}`);
    console.log(`instructions per packet: ${total.toFixed(0)} (of which garbage collector and optimizing compiler: ${collectorAndCompiler.toFixed(0)}, which vary with heap size and timing)`);
    console.log(`instructions per packet outside them: ${(total - collectorAndCompiler).toFixed(0)}`);
    console.log(`datagrams per packet: ${(((b.result.datagrams ?? 0) - (a.result.datagrams ?? 0)) / packets).toFixed(4)} (MemoryNetwork's own send, sendDatagram, is in the count)`);
    printTop(perPacket);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
