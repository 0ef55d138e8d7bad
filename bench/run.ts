// `npm run bench`: every benchmark of bench/ in one invocation, each figure run
// RUNS_PER_FIGURE times (median), every macro run in a process of its own, one at a
// time; then bench/RESULTS.md is written (the previous one is read first, so figures
// without a peer are compared with our own earlier run).
//
// Options (for iterating, not for the committed results):
//   --only=SUBSTRING   run only the sections whose name contains SUBSTRING (enet, websocket, memory, codecs, variant, scenemultiplayer, dtls, micro)
//   --out=PATH         write somewhere else than bench/RESULTS.md (a partial run with --only
//                      and no --out writes bench/RESULTS.partial.md, so it never replaces the full results)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUNS_PER_FIGURE, figureKey, format, median, parseEarlierResults, ratio, writeResults, type EarlierFigure, type Row } from "./lib/results.ts";
import { concatRecords, enetLikeCorpus, writeCorpusFile } from "./lib/corpus.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUILD = join(ROOT, ".build");
const RESULTS = join(ROOT, "bench", "RESULTS.md");
const NODE = process.execPath;
const TSX = ["--import", "tsx"];
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice(7) ?? "";
const outPath = args.find((a) => a.startsWith("--out="))?.slice(6) ?? (only ? join(ROOT, "bench", "RESULTS.partial.md") : RESULTS);
const started = new Date();
const t0 = performance.now();
const loadAtStart = loadavg();

type Json = Record<string, number>;
const rows: Row[] = [];
const notes: string[] = [];

// ---------------------------------------------------------------- helpers

function elapsed(): string {
  const s = (performance.now() - t0) / 1000;
  return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
}

function say(line: string): void {
  process.stdout.write(`[${elapsed()}] ${line}\n`);
}

/** Run one process to completion; its last stdout line starting with "{" is the result. */
function runJson(label: string, command: string, argv: string[], timeoutSeconds = 90): Json | null {
  const t = performance.now();
  process.stdout.write(`[${elapsed()}]   ${label} ... `);
  const r = spawnSync(command, argv, { cwd: ROOT, encoding: "utf8", timeout: timeoutSeconds * 1000, killSignal: "SIGKILL", maxBuffer: 16 << 20 });
  const seconds = ((performance.now() - t) / 1000).toFixed(1);
  const line = (r.stdout ?? "").trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) {
    const why = r.error ? String(r.error) : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    const lines = (r.stderr ?? "").trim().split("\n").filter((l) => l.trim() !== "" && !/asm\.js|trace-warnings/.test(l));
    const firstError = lines.find((l) => /error/i.test(l));
    const err = [...new Set([firstError, ...lines.slice(-2)].filter((l): l is string => l !== undefined))].join(" / ");
    process.stdout.write(`FAILED (${why}) ${err}\n`);
    return null;
  }
  process.stdout.write(`done in ${seconds} s\n`);
  return JSON.parse(line) as Json;
}

/** Median of one field over runs; NaN when any run failed. */
function med(runs: (Json | null)[], field: string): number {
  if (runs.length === 0 || runs.some((r) => r === null || typeof r[field] !== "number")) return Number.NaN;
  return median(runs.map((r) => r![field]!));
}

function goalText(row: Row, minRatio: number | null, label: string): string {
  if (minRatio === null) return label;
  const q = ratio(row);
  if (q === null) return `${label} (not measured)`;
  return `${label}: ${q >= minRatio ? "met" : "missed"}`;
}

/** The runs of both sides of a row, run i of one back to back with run i of the other. */
interface Interleaved {
  ours: (Json | null)[];
  peer: (Json | null)[];
  oursField: string;
  /** The peer's field when it is named differently. */
  peerField?: string;
}

/** Each pair's ratio (> 1: ours better), or null unless every run of both sides has its figure. */
function runRatios(runs: Interleaved, higherIsBetter: boolean): number[] | null {
  const peerField = runs.peerField ?? runs.oursField;
  if (runs.ours.length === 0 || runs.ours.length !== runs.peer.length) return null;
  const out: number[] = [];
  for (let i = 0; i < runs.ours.length; i++) {
    const a = runs.ours[i]?.[runs.oursField];
    const b = runs.peer[i]?.[peerField];
    if (typeof a !== "number" || typeof b !== "number" || !(a > 0) || !(b > 0)) return null;
    out.push(higherIsBetter ? a / b : b / a);
  }
  return out;
}

function addRow(row: Omit<Row, "goal">, minRatio: number | null, goalLabel: string, interleaved?: Interleaved): void {
  const full: Row = { ...row, goal: "" };
  const pairs = interleaved === undefined ? null : runRatios(interleaved, row.higherIsBetter);
  if (pairs !== null) {
    full.pairedRatio = median(pairs);
    const shown = `ratio: the median of the run-by-run ratios ${pairs.map((r) => r.toFixed(2)).join(", ")}`;
    full.note = full.note === undefined ? shown : `${full.note}; ${shown}`;
  }
  full.goal = goalText(full, minRatio, goalLabel);
  rows.push(full);
  const q = ratio(full);
  say(`  => ${row.name} [${row.unit}]: ours ${format(row.ours)}${row.peer === null ? "" : `, ${row.peerName} ${format(row.peer)}, ratio ${q === null ? "—" : q.toFixed(2) + "x"}`}`);
}

/**
 * Past this, the remaining sections are skipped (and the file says so) so one invocation stays under
 * 10 minutes. The sections after it take about 40 s; a run on this 2-core VM takes 7.5-8 minutes
 * up to the DTLS section, so 450 s used to cut the browser bundle and micro-benchmark rows.
 */
const BUDGET_SECONDS = 540;
const skippedForTime: string[] = [];

function section(name: string): boolean {
  if (only && !name.toLowerCase().includes(only.toLowerCase())) return false;
  if ((performance.now() - t0) / 1000 > BUDGET_SECONDS) {
    say(`== ${name}: SKIPPED, the run is past its ${BUDGET_SECONDS} s budget`);
    skippedForTime.push(name);
    return false;
  }
  say(`== ${name}`);
  return true;
}

function tryCommand(command: string, argv: string[]): string | null {
  const r = spawnSync(command, argv, { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() : null;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function buildC(name: string): string | null {
  const out = join(BUILD, name);
  const r = spawnSync("cc", ["-O2", "-o", out, join(ROOT, "bench", "peers", `${name}.c`), "-lenet"], { encoding: "utf8" });
  if (r.status !== 0) {
    say(`could not build ${name}.c (${(r.stderr || String(r.error)).trim().split("\n")[0]}); its rows are left without a peer figure`);
    return null;
  }
  return out;
}

// ---------------------------------------------------------------- setup

mkdirSync(BUILD, { recursive: true });
const earlier: Map<string, EarlierFigure> = existsSync(RESULTS) ? parseEarlierResults(readFileSync(RESULTS, "utf8")) : new Map();
say(`packetpeer benchmarks: ${RUNS_PER_FIGURE} runs per figure, one process at a time; load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);
if (earlier.size > 0) say(`read ${earlier.size} figures of the previous bench/RESULTS.md for comparison`);
const enetLoopbackC = buildC("enet_loopback");
const rangeCoderC = buildC("rangecoder_bench");
const enetMemoryC = buildC("enet_memory");
const enetScaleC = buildC("enet_scale");
/** What `BIN --version` prints, or null when the runtime is missing or does not run. */
const versionOf = (bin: string): string | null => (existsSync(bin) ? tryCommand(bin, ["--version"]) : null);
const bunVersionText = versionOf(BUN);
const hasBun = bunVersionText !== null;
const hasEmscriptenEnet = existsSync(join(ROOT, "node_modules", "enet", "package.json"));
const zstdCli = tryCommand("zstd", ["--version"]);

// Node-run scripts are bundled with esbuild first, the way tsup builds the package
// users install (dependencies stay external). Running them through tsx instead would
// measure tsx: its keepNames transform wraps every function in __name(), which gives
// each closure its own property store (about 3.5 KB more per WebSocket connection)
// and slows the hot paths.
const NODE_SCRIPTS = [
  "bench/macro/enet-scale.ts",
  "bench/macro/udp-ceiling.ts",
  "bench/macro/enet-loopback.ts",
  "bench/macro/enet-cores.ts",
  "bench/macro/ws-echo-ours.ts",
  "bench/macro/ws-echo-ws.ts",
  "bench/macro/memory-enet.ts",
  "bench/macro/memory-ws.ts",
  "bench/macro/codecs.ts",
  "bench/micro/hot-paths.ts",
  "bench/macro/variant.ts",
  "bench/macro/scene-rpc.ts",
  "bench/macro/scene-replication.ts",
];
const bundled = new Map<string, string>();
// esbuild missing (not installed) falls back to tsx; a script that does not build is a bench bug
// and stops the run, rather than measuring every row through tsx.
const esbuild = await import("esbuild").catch(() => null);
try {
  if (esbuild === null) throw new Error("the esbuild package is not installed");
  const outdir = join(BUILD, "bench-js");
  for (const entry of NODE_SCRIPTS) {
    const outfile = join(outdir, entry.replace(/^bench\//, "").replace(/\.ts$/, ".mjs"));
    await esbuild.build({
      entryPoints: [join(ROOT, entry)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["ws", "tinybench", "fflate", "fzstd", "@noble/hashes", "enet"],
      logLevel: "warning",
    });
    bundled.set(entry, outfile);
  }
  say(`bundled ${bundled.size} Node scripts with esbuild into ${outdir}`);
} catch (err) {
  if (esbuild !== null) {
    say(`bundling the bench scripts failed: ${String(err)}`);
    process.exit(1);
  }
  bundled.clear();
  say(`esbuild unavailable (${String(err).split("\n")[0]}): running the scripts through tsx, which inflates memory figures`);
  notes.push("esbuild was not available: scripts ran through tsx, whose keepNames transform inflates packetpeer's memory figures and costs some speed.");
}

/** Node argv that runs a bench script: its bundle, or the source through tsx. */
function script(entry: string): string[] {
  const out = bundled.get(entry);
  return out ? [out] : [...TSX, entry];
}

const nodeRuntime = `Node ${process.version}`;
const bunVersion = bunVersionText ?? "";
const bunRuntime = `Bun ${bunVersion}`;
const denoVersionText = versionOf(DENO);
const hasDeno = denoVersionText !== null;
const denoRuntime = `Deno ${hasDeno ? (/deno (\S+)/.exec(denoVersionText)?.[1] ?? "?") : ""}`;

// ---------------------------------------------------------------- ENet loopback

interface EnetScenario {
  name: string;
  mode: "reliable" | "unreliable";
  size: number;
  rangeCoder: boolean;
  /**
   * Packets per run for each implementation: all three send the same number, so every rate
   * comes from the same scenario (a shorter run mostly times a JIT warming up).
   */
  counts: { ours: number; c: number; emscripten: number };
  /**
   * Packets every implementation sends first, untimed (bench/lib/warmup-clock.ts): the figures are
   * the steady state after them. On Node the JIT is still optimizing the hot paths for the first
   * few hundred thousand small packets; C ENet has no warm-up and runs at the same rate in both phases.
   */
  warmup: number;
  /** Goal against C ENet (ratio) or null when the issue sets none for this row. */
  goalC: number | null;
  /** Also run packetpeer on Bun (Bun.udpSocket) against the same C ENet runs. */
  onBun?: boolean;
  /** Also run the scenario on the sans-IO cores alone, datagrams in memory (bench/macro/enet-cores.ts). */
  cores?: boolean;
  /**
   * Also run the runtime's own UDP ceiling (bench/macro/udp-ceiling.ts), interleaved with the same
   * runs: a bare node:dgram loop under the same rules with datagrams of this size, for the row
   * against it.
   */
  ceilingDatagram?: number;
  /** With ceilingDatagram: also run packetpeer on Deno against Deno's own loop (bench/macro/udp-ceiling-deno.ts). */
  onDeno?: boolean;
}

const ENET_SCENARIOS: EnetScenario[] = [
  { name: "reliable 64 B", mode: "reliable", size: 64, rangeCoder: false, counts: { ours: 1_000_000, c: 1_000_000, emscripten: 1_000_000 }, warmup: 500_000, goalC: 0.5, onBun: true, cores: true },
  // A typical game packet: several per datagram and too large for V8's heap, so each arrives as a view of its datagram (docs/enet.md, Hot paths).
  { name: "reliable 256 B", mode: "reliable", size: 256, rangeCoder: false, counts: { ours: 300_000, c: 300_000, emscripten: 300_000 }, warmup: 100_000, goalC: null },
  // emscripten enet moves 1200 B and 100 KB packets at a fraction of the others' rate: fewer of them keep each row near a minute.
  { name: "reliable 1200 B", mode: "reliable", size: 1200, rangeCoder: false, counts: { ours: 300_000, c: 300_000, emscripten: 100_000 }, warmup: 100_000, goalC: 0.5, onBun: true, cores: true, ceilingDatagram: 1210, onDeno: true },
  { name: "reliable 100 KB (fragmented)", mode: "reliable", size: 100_000, rangeCoder: false, counts: { ours: 2_000, c: 2_000, emscripten: 1_000 }, warmup: 500, goalC: 1.0 },
  // emscripten enet delivers unreliable packets at tens of thousands a second: fewer of them keep the row under a minute.
  { name: "unreliable 64 B", mode: "unreliable", size: 64, rangeCoder: false, counts: { ours: 1_000_000, c: 1_000_000, emscripten: 300_000 }, warmup: 300_000, goalC: null },
  { name: "reliable 64 B, range coder on both hosts", mode: "reliable", size: 64, rangeCoder: true, counts: { ours: 300_000, c: 300_000, emscripten: 300_000 }, warmup: 100_000, goalC: 0.5 },
];

if (section("ENet loopback")) {
  const group = "ENet loopback: one process, server + client host on 127.0.0.1, at most 512 packets in flight";
  for (const s of ENET_SCENARIOS) {
    say(`ENet ${s.name}`);
    const ours: (Json | null)[] = [];
    const c: (Json | null)[] = [];
    const em: (Json | null)[] = [];
    const bun: (Json | null)[] = [];
    const cores: (Json | null)[] = [];
    const ceiling: (Json | null)[] = [];
    const bunCeiling: (Json | null)[] = [];
    const deno: (Json | null)[] = [];
    const denoCeiling: (Json | null)[] = [];
    const coder = s.rangeCoder ? ["rangecoder"] : ["plain"];
    const warm = String(s.warmup);
    const of = (n: number): string => `${n} + ${s.warmup} warm-up packets`;
    // Interleaved, so a burst of load from elsewhere hits every implementation alike.
    for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
      ours.push(runJson(`packetpeer run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)})`, NODE, [...script("bench/macro/enet-loopback.ts"), s.mode, String(s.size), String(s.counts.ours), ...coder, "512", warm]));
      if (enetLoopbackC) c.push(runJson(`C ENet run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.c)})`, enetLoopbackC, [s.mode, String(s.size), String(s.counts.c), ...coder, "512", warm]));
      if (hasEmscriptenEnet) em.push(runJson(`emscripten enet run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.emscripten)})`, NODE, ["bench/peers/emscripten-enet.cjs", s.mode, String(s.size), String(s.counts.emscripten), ...coder, "512", warm]));
      if (s.cores) cores.push(runJson(`packetpeer sans-IO cores run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)})`, NODE, [...script("bench/macro/enet-cores.ts"), String(s.size), String(s.counts.ours), "512", warm]));
      if (s.onBun && hasBun) bun.push(runJson(`packetpeer on Bun run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)})`, BUN, ["bench/macro/enet-loopback.ts", s.mode, String(s.size), String(s.counts.ours), ...coder, "512", warm]));
      if (s.ceilingDatagram) ceiling.push(runJson(`bare dgram run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)} datagrams)`, NODE, [...script("bench/macro/udp-ceiling.ts"), String(s.ceilingDatagram), String(s.counts.ours), "512", warm]));
      if (s.ceilingDatagram && s.onDeno && hasDeno) {
        deno.push(runJson(`packetpeer on Deno run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)})`, DENO, ["run", "-A", "--unstable-net", "--no-check", "bench/macro/enet-loopback.ts", s.mode, String(s.size), String(s.counts.ours), ...coder, "512", warm]));
        denoCeiling.push(runJson(`bare Deno.listenDatagram run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)} datagrams)`, DENO, ["run", "-A", "--unstable-net", "--no-check", "bench/macro/udp-ceiling-deno.ts", String(s.ceilingDatagram), String(s.counts.ours), "512", warm]));
      }
      if (s.ceilingDatagram && s.onBun && hasBun) bunCeiling.push(runJson(`bare Bun.udpSocket run ${run}/${RUNS_PER_FIGURE} (${of(s.counts.ours)} datagrams)`, BUN, ["bench/macro/udp-ceiling-bun.ts", String(s.ceilingDatagram), String(s.counts.ours), "512", warm]));
    }
    const oursPps = med(ours, "packetsPerSecond");
    const mb = (runs: (Json | null)[]): string => format(med(runs, "megabytesPerSecond"));
    let counts = `timed packets per run: packetpeer ${s.counts.ours}, C ${s.counts.c}, emscripten ${s.counts.emscripten}, each after ${s.warmup} untimed warm-up packets`;
    if (s.mode === "unreliable") {
      const share = (runs: (Json | null)[], n: number): string => `${((100 * med(runs, "totalReceived")) / (n + s.warmup)).toFixed(1)} %`;
      counts += `; delivered (median): packetpeer ${share(ours, s.counts.ours)}, C ${share(c, s.counts.c)}, emscripten ${share(em, s.counts.emscripten)}`;
    }
    /** A row against the C ENet runs of this scenario. */
    const vsC = (variant: string, runs: (Json | null)[], fields: Pick<Row, "peerName" | "runtime" | "note">, goal: number | null, goalLabel: string): void =>
      addRow(
        { group, name: `${s.name}${variant}, vs C ENet`, unit: "packets/s", ours: med(runs, "packetsPerSecond"), peer: enetLoopbackC ? med(c, "packetsPerSecond") : null, higherIsBetter: true, ...fields },
        goal,
        goalLabel,
        enetLoopbackC ? { ours: runs, peer: c, oursField: "packetsPerSecond" } : undefined,
      );
    vsC(
      "",
      ours,
      { peerName: "C ENet 1.3.17 (libenet, cc -O2)", runtime: `${nodeRuntime} / native`, note: `MB/s: packetpeer ${mb(ours)}, C ${mb(c)}; ${counts}` },
      s.goalC,
      s.goalC === null ? "none set" : `>= ${s.goalC}x C ENet (steady state, after the warm-up)`,
    );
    if (s.goalC !== null) {
      // The warm-up phase of the same runs, shown so the steady-state goal row does not hide the cold start.
      addRow(
        {
          group,
          name: `${s.name}, cold start (the first ${s.warmup} packets of the same runs), vs C ENet`,
          unit: "packets/s",
          ours: med(ours, "warmupPacketsPerSecond"),
          peer: enetLoopbackC ? med(c, "warmupPacketsPerSecond") : null,
          peerName: "C ENet 1.3.17 (libenet, cc -O2), the same runs",
          higherIsBetter: true,
          runtime: `${nodeRuntime} / native`,
          note: "from the first packet of a fresh process until the warm-up has arrived: on Node this includes the JIT compiling the hot paths",
        },
        null,
        "none set (comparison only: the goal is on the steady-state row above)",
        enetLoopbackC ? { ours, peer: c, oursField: "warmupPacketsPerSecond" } : undefined,
      );
    }
    if (s.onBun && hasBun) {
      vsC(
        ", packetpeer on Bun",
        bun,
        {
          peerName: "C ENet 1.3.17 (libenet, cc -O2), the same runs as the row above",
          runtime: `${bunRuntime} / native`,
          note: `Bun.udpSocket costs less per datagram than node:dgram; the TypeScript sources run directly; ${of(s.counts.ours)} per run`,
        },
        null,
        "none set (the goal is set on Node; comparison only)",
      );
    }
    if (s.cores) {
      vsC(
        ", packetpeer's sans-IO cores alone (datagrams in memory)",
        cores,
        {
          peerName: "C ENet 1.3.17 (libenet, cc -O2) with its sockets, the same runs as the first row",
          runtime: `${nodeRuntime} / native`,
          note: `bench/macro/enet-cores.ts: the same scenario with each datagram copied from one HostCore to the other, no socket: the protocol work without the runtime's per-datagram I/O on the same thread; ${of(s.counts.ours)} per run`,
        },
        null,
        "none set (comparison only: where the time of the first row goes)",
      );
    }
    addRow(
      {
        group,
        name: `${s.name}, vs emscripten enet`,
        unit: "packets/s",
        ours: oursPps,
        peer: hasEmscriptenEnet ? med(em, "packetsPerSecond") : null,
        peerName: `npm enet@${packageVersion("enet").replace(/^v/, "")} (emscripten)`,
        higherIsBetter: true,
        runtime: `${nodeRuntime} / ${nodeRuntime}`,
        note: `MB/s: packetpeer ${mb(ours)}, emscripten ${mb(em)}${s.rangeCoder ? "; the package's enableCompression() is libenet's range coder" : ""}`,
      },
      3,
      ">= 3x emscripten enet",
      hasEmscriptenEnet ? { ours, peer: em, oursField: "packetsPerSecond" } : undefined,
    );
    if (s.ceilingDatagram) {
      // ENet 1200 B reliable sends one datagram per packet (4 B protocol header + 6 B SEND_RELIABLE
      // command + 1200 B) plus acknowledgements the other way, so through the same calls as the
      // loop it cannot reach 1.0x (on Bun it sends each pass with one sendMany, the loop one by one).
      /** A row of packetpeer on one runtime against that runtime's own bare UDP loop, with the 0.9x goal. */
      const vsCeiling = (runtimeName: string, api: string, loopScript: string, runs: (Json | null)[], loop: (Json | null)[], runtime: string, note: string): void =>
        addRow(
          {
            group,
            name: `${s.name}${runtimeName === "" ? "" : `, packetpeer on ${runtimeName}`}, vs ${runtimeName === "" ? "the runtime's" : `${runtimeName}'s`} UDP ceiling`,
            unit: "packets/s",
            ours: med(runs, "packetsPerSecond"),
            peer: med(loop, "packetsPerSecond"),
            peerName: `bare ${api} send/receive loop, ${s.ceilingDatagram} B datagrams (${loopScript})`,
            higherIsBetter: true,
            runtime: `${runtime} / ${runtime}`,
            note: `${note}; ${of(s.counts.ours)} and as many datagrams per run (${format(1e6 / med(loop, "packetsPerSecond"))} us per datagram sent and received by the bare loop here)`,
          },
          0.9,
          ">= 0.9x the runtime's UDP ceiling (steady state, after the warm-up)",
          { ours: runs, peer: loop, oursField: "packetsPerSecond" },
        );
      vsCeiling(
        "",
        "node:dgram",
        "bench/macro/udp-ceiling.ts",
        ours,
        ceiling,
        nodeRuntime,
        `the same packetpeer runs as the first ${s.name} row, interleaved with the bare loop's; the bare loop pays only node:dgram, ENet adds its protocol work per packet (queue, write, parse, acknowledge, event) and an acknowledgement datagram per round trip; the window is not the limit: the bare loop runs as fast with 27 datagrams in flight (ENet's 64 KiB window at half throttle) as with 512`,
      );
      // The same goal on the runtimes with UDP APIs of their own: each against its own loop.
      if (s.onBun && hasBun) {
        vsCeiling("Bun", "Bun.udpSocket", "bench/macro/udp-ceiling-bun.ts", bun, bunCeiling, bunRuntime, "the same packetpeer-on-Bun runs as the row above, interleaved with the bare loop's, which copies each datagram it receives, as the transport must");
      }
      if (s.onDeno && hasDeno) {
        vsCeiling(
          "Deno",
          "Deno.listenDatagram",
          "bench/macro/udp-ceiling-deno.ts",
          deno,
          denoCeiling,
          denoRuntime,
          "packetpeer on Deno (the TypeScript sources, --no-check) interleaved with the bare loop, which copies each datagram it receives out of its reused buffer and gives each send a copy of its own, as the transport must",
        );
      }
    }
  }
}

// ---------------------------------------------------------------- ENet at scale (bench/macro/enet-scale.ts)
// Right after the loopback rows, and the memory section next: their figures are ones the ENet
// issue names, and a run on a slow machine skips the sections past its time budget.

if (section("ENet at scale")) {
  const group = "ENet at scale: 4,095 peers on one host, simulated network (virtual clock), server CPU over 10 s simulated";
  const runs: (Json | null)[] = [];
  // C ENet's own figures for the same scenario (bench/peers/enet_scale.c, loopback sockets, every
  // host serviced once per 1 ms): a reference in the notes, not a ratio, since its times include
  // its socket calls and ours (simulated) none.
  const cRuns: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
    runs.push(runJson(`scale run ${run}/${RUNS_PER_FIGURE}`, NODE, script("bench/macro/enet-scale.ts"), 180));
    if (enetScaleC) cRuns.push(runJson(`C ENet scale run ${run}/${RUNS_PER_FIGURE} (5 s on loopback sockets)`, enetScaleC, ["5"], 60));
  }
  const withPings = med(runs, "serviceRatio");
  const withoutPings = med(runs, "serviceRatioWithoutPings");
  const cFigures = (ratioKey: string, crowdedKey: string): string =>
    enetScaleC === null
      ? ""
      : `; C ENet 1.3.17 on the same scenario over loopback sockets (bench/peers/enet_scale.c, every host serviced once per 1 ms, 5 s): ${format(med(cRuns, ratioKey))}x (${format(med(cRuns, crowdedKey))} ms vs ${format(med(cRuns, "serverMsTenBusyAlone"))} ms; its times include its own sendto/recvfrom, ours none)`;
  const scaleGoal = (q: number, why: string): string => (Number.isNaN(q) ? "<= 1.5x (not measured)" : q <= 1.5 ? "<= 1.5x: met" : `<= 1.5x: missed${why}`);
  addRow(
    { group, name: "server CPU, 10 busy peers + 4,085 idle ones vs 10 busy peers alone", unit: "x", ours: withPings, peer: null, peerName: "", higherIsBetter: false, runtime: nodeRuntime, note: `4,095 connected; ${format(med(runs, "serverMsTenBusyWith4085Idle"))} ms vs ${format(med(runs, "serverMsTenBusyAlone"))} ms; each idle peer is pinged every 500 ms and pings back, as C ENet does: about 16,000 PINGs and acknowledgements a second of real protocol work${cFigures("serviceRatio", "serverMsTenBusyWith4085Idle")}` },
    null,
    scaleGoal(withPings, " (the idle peers' own keep-alive traffic)"),
  );
  addRow(
    { group, name: "the same with the idle peers' pings switched off", unit: "x", ours: withoutPings, peer: null, peerName: "", higherIsBetter: false, runtime: nodeRuntime, note: `what idle peer slots cost by themselves: service() visits only peers with work (src/enet/peer-schedule.ts)${cFigures("serviceRatioWithoutPings", "serverMsWith4085IdleUnpinged")}, where every enet_host_service call walks all 4,095 slots` },
    null,
    scaleGoal(withoutPings, ""),
  );
}

// ---------------------------------------------------------------- memory

const CONNECTIONS = 1000;
if (section("Memory per connection")) {
  const group = `Memory per connection at ${CONNECTIONS.toLocaleString("en-US")} connections (child process, --expose-gc; heap = V8 heapUsed + external)`;
  say(`ENet: ${CONNECTIONS} idle peers connected from a C ENet client process`);
  const ours: (Json | null)[] = [];
  const c: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
    if (enetMemoryC) {
      ours.push(runJson(`packetpeer ENet host run ${run}/${RUNS_PER_FIGURE}`, NODE, ["--expose-gc", ...script("bench/macro/memory-enet.ts"), enetMemoryC, String(CONNECTIONS)]));
      c.push(runJson(`C ENet host run ${run}/${RUNS_PER_FIGURE}`, enetMemoryC, ["server", String(CONNECTIONS)]));
    }
  }
  if (enetMemoryC) {
    const sizeofPeer = med(c, "sizeofPeer");
    const sizeofChannel = med(c, "sizeofChannel");
    // What one more idle peer costs: in one warm process, a host of 2N idle peers minus a host of N,
    // so the code the JIT compiles and each host's fixed buffers are not spread over the peers.
    const allIn = med(ours, "heapBytesPerPeer");
    const marginal = med(ours, "heapBytesPerAddedPeer");
    addRow(
      {
        group,
        name: "idle ENet peer, heap",
        unit: "bytes/peer",
        ours: marginal,
        peer: sizeofPeer + 2 * sizeofChannel,
        peerName: "C ENet: sizeof(ENetPeer) + 2 x sizeof(ENetChannel) (reference)",
        higherIsBetter: false,
        runtime: `${nodeRuntime} / native`,
        note: `each idle peer added: a host of ${2 * CONNECTIONS} minus a host of ${CONNECTIONS} in one process, 2 channels; all-in at ${CONNECTIONS} (host, compiled code and buffers included, baseline before host creation) ${format(allIn)} B; C struct sizes ${sizeofPeer} + 2 x ${sizeofChannel} B`,
      },
      null,
      Number.isNaN(marginal) ? "<= 2 KB (not measured)" : marginal <= 2048 ? "<= 2 KB: met" : "<= 2 KB: missed",
    );
    addRow(
      {
        group,
        name: "idle ENet peer, RSS",
        unit: "bytes/peer",
        ours: med(ours, "rssBytesPerPeer"),
        peer: med(c, "rssBytesPerPeer"),
        peerName: "C ENet 1.3.17 host, same scenario",
        higherIsBetter: false,
        runtime: `${nodeRuntime} / native`,
        note: "RSS of a JS process also grows with JIT code and heap headroom: after the 2,000-peer host heapTotal had grown ~21 MB for ~3.5 MB more heapUsed (V8 enlarges its young generation under the connection burst), so RSS per peer is mostly V8 headroom, not peer state",
      },
      null,
      "none set",
    );
  }
  for (const role of ["server", "client"] as const) {
    say(`WebSocket: ${CONNECTIONS} open ${role}-side connections (far side: ws in another process)`);
    const o: (Json | null)[] = [];
    const w: (Json | null)[] = [];
    for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
      o.push(runJson(`packetpeer run ${run}/${RUNS_PER_FIGURE}`, NODE, ["--expose-gc", ...script("bench/macro/memory-ws.ts"), role, "ours", String(CONNECTIONS)]));
      w.push(runJson(`ws run ${run}/${RUNS_PER_FIGURE}`, NODE, ["--expose-gc", ...script("bench/macro/memory-ws.ts"), role, "ws", String(CONNECTIONS)]));
    }
    for (const [what, field] of [
      ["heap", "heapBytesPerConnection"],
      ["RSS", "rssBytesPerConnection"],
    ] as const) {
      addRow(
        {
          group,
          name: `open WebSocket, ${role} side, ${what}`,
          unit: "bytes/connection",
          ours: med(o, field),
          peer: med(w, field),
          peerName: `ws ${packageVersion("ws")}`,
          higherIsBetter: false,
          runtime: nodeRuntime,
          note: role === "server" ? "accepted connections held idle" : "client connections held idle",
        },
        null,
        "none set",
        { ours: o, peer: w, oursField: field },
      );
    }
  }
}

// ---------------------------------------------------------------- WebSocket echo

interface WsScenario {
  name: string;
  size: number;
  count: number;
  inFlight: number;
  unit: "messages/s" | "MB/s";
  /** permessage-deflate on both ends, with a JSON-like payload (bench/lib/game-state.ts); Node only, no goal. */
  deflate?: boolean;
}
const WS_SCENARIOS: WsScenario[] = [
  { name: "echo 64 B", size: 64, count: 60_000, inFlight: 512, unit: "messages/s" },
  { name: "echo 16 KiB", size: 16 * 1024, count: 20_000, inFlight: 512, unit: "MB/s" },
  // 512 x 1 MiB in flight would hold half a gigabyte in socket buffers per direction; 16 keeps it at 16 MiB.
  { name: "echo 1 MiB (16 in flight)", size: 1 << 20, count: 200, inFlight: 16, unit: "MB/s" },
  { name: "echo 16 KiB of JSON-like state, permessage-deflate on both ends", size: 16 * 1024, count: 5_000, inFlight: 512, unit: "MB/s", deflate: true },
];

function wsField(unit: WsScenario["unit"]): string {
  return unit === "messages/s" ? "messagesPerSecond" : "megabytesPerSecond";
}

if (section("WebSocket echo")) {
  const group = "WebSocket echo on 127.0.0.1: one client, server echoes, 512 messages in flight unless stated";
  for (const s of WS_SCENARIOS) {
    say(`WebSocket ${s.name} on Node`);
    const ours: (Json | null)[] = [];
    const ws: (Json | null)[] = [];
    const argv = [String(s.size), String(s.count), String(s.inFlight), ...(s.deflate ? ["deflate"] : [])];
    for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
      ours.push(runJson(`packetpeer run ${run}/${RUNS_PER_FIGURE} (${s.count} messages)`, NODE, [...script("bench/macro/ws-echo-ours.ts"), ...argv]));
      ws.push(runJson(`ws run ${run}/${RUNS_PER_FIGURE} (${s.count} messages)`, NODE, [...script("bench/macro/ws-echo-ws.ts"), ...argv]));
    }
    addRow(
      {
        group,
        name: `${s.name}, Node: ours vs ws`,
        unit: s.unit,
        ours: med(ours, wsField(s.unit)),
        peer: med(ws, wsField(s.unit)),
        peerName: `ws ${packageVersion("ws")} (no native add-ons)`,
        higherIsBetter: true,
        runtime: nodeRuntime,
        note:
          `messages/s: packetpeer ${format(med(ours, "messagesPerSecond"))}, ws ${format(med(ws, "messagesPerSecond"))}; MB/s: ${format(med(ours, "megabytesPerSecond"))} vs ${format(med(ws, "megabytesPerSecond"))}` +
          (s.deflate ? "; every message compressed by each sender and inflated by each receiver: ours with fflate and our inflater on the event loop's thread, ws with Node's native zlib in libuv's thread pool" : ""),
      },
      s.deflate ? null : 1,
      s.deflate ? "none set (comparison only: Godot's WebSocket has no compression)" : ">= 1.0x ws",
      { ours, peer: ws, oursField: wsField(s.unit) },
    );
  }
  if (!hasBun) {
    say("Bun not found at node_modules/.bin/bun: Bun rows skipped");
    notes.push("Bun was not available: the Bun WebSocket rows are missing.");
  } else {
    for (const s of WS_SCENARIOS.filter((x) => !x.deflate)) {
      say(`WebSocket ${s.name} on Bun`);
      const ours: (Json | null)[] = [];
      const native: (Json | null)[] = [];
      const argv = [String(s.size), String(s.count), String(s.inFlight)];
      for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
        ours.push(runJson(`packetpeer on Bun run ${run}/${RUNS_PER_FIGURE}`, BUN, ["bench/macro/ws-echo-ours.ts", ...argv]));
        native.push(runJson(`Bun.serve + WebSocket run ${run}/${RUNS_PER_FIGURE}`, BUN, ["bench/macro/ws-echo-bun.ts", ...argv]));
      }
      addRow(
        {
          group,
          name: `${s.name}, Bun: ours vs Bun built-in`,
          unit: s.unit,
          ours: med(ours, wsField(s.unit)),
          peer: med(native, wsField(s.unit)),
          peerName: "Bun.serve websocket + Bun WebSocket client (native)",
          higherIsBetter: true,
          runtime: bunRuntime,
          note: `messages/s: packetpeer ${format(med(ours, "messagesPerSecond"))}, Bun ${format(med(native, "messagesPerSecond"))}`,
        },
        null,
        "none set (comparison only)",
        { ours, peer: native, oursField: wsField(s.unit) },
      );
    }
  }
}

// ---------------------------------------------------------------- codecs

if (section("Compression codecs")) {
  const group = "Compression: MB/s of input on an ENet-like corpus (seeded, bench/lib/corpus.ts)";
  const records = enetLikeCorpus(1500);
  const corpusPath = join(BUILD, "bench-corpus.bin");
  writeCorpusFile(corpusPath, records);
  const whole = concatRecords(records);
  say(`corpus: ${records.length} datagram bodies, ${whole.length.toLocaleString("en-US")} bytes, in ${corpusPath}`);
  const ours: (Json | null)[] = [];
  const lib: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
    ours.push(runJson(`packetpeer codecs run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/codecs.ts"), corpusPath, "0.4"], 180));
    if (rangeCoderC) lib.push(runJson(`libenet range coder run ${run}/${RUNS_PER_FIGURE}`, rangeCoderC, [corpusPath, "20"]));
  }
  const rc = (name: string, field: string, libField: string): void => {
    addRow(
      {
        group,
        name: `range coder ${name}, vs libenet`,
        unit: "MB/s",
        ours: med(ours, field),
        peer: rangeCoderC ? med(lib, libField) : null,
        peerName: "libenet 1.3.17 enet_range_coder_* (cc -O2)",
        higherIsBetter: true,
        runtime: `${nodeRuntime} / native`,
        note: "per datagram body, output limit = input length (ENet's rule)",
      },
      0.5,
      ">= 0.5x libenet",
      rangeCoderC ? { ours, peer: lib, oursField: field, peerField: libField } : undefined,
    );
  };
  rc("compress", "rangeCompressMBps", "compressMBps");
  rc("decompress", "rangeDecompressMBps", "decompressMBps");
  addRow(
    {
      group,
      name: "range coder output size, vs libenet",
      unit: "bytes",
      ours: med(ours, "rangeOutputBytes"),
      peer: rangeCoderC ? med(lib, "outputBytes") : null,
      peerName: "libenet 1.3.17",
      higherIsBetter: false,
      runtime: `${nodeRuntime} / native`,
      note: "bodies that do not shrink count at their own size; equal sizes are expected (bit-exact coder)",
    },
    null,
    "identical",
  );
  const ownRow = (name: string, unit: string, field: string, note: string): void => {
    addRow({ group, name, unit, ours: med(ours, field), peer: null, peerName: "", higherIsBetter: unit !== "bytes", runtime: nodeRuntime, note }, null, "none set");
  };
  ownRow("FastLZ level 1 compress", "MB/s", "fastlzCompressMBps", "per datagram body");
  ownRow("FastLZ decompress", "MB/s", "fastlzDecompressMBps", "per datagram body");
  let zstdRef: number | null = null;
  let zstdRefTestCorpus: number | null = null;
  if (zstdCli) {
    const ref = spawnSync("zstd", ["-3", "--no-check", "-q", "-c"], { input: whole, maxBuffer: 64 << 20 });
    if (ref.status === 0) zstdRef = ref.stdout.length;
    const { zstdTestCorpus } = await import("../spec-tests/compress/zstd-encoder-corpus.ts");
    let total = 0;
    for (const { data } of zstdTestCorpus()) {
      if (data.length === 0) continue;
      const r = spawnSync("zstd", ["-3", "--no-check", "-q", "-c"], { input: data, maxBuffer: 64 << 20 });
      if (r.status !== 0) {
        total = Number.NaN;
        break;
      }
      total += r.stdout.length;
    }
    zstdRefTestCorpus = total;
  } else {
    notes.push("The zstd CLI was not found: the zstd size rows have no reference figure.");
  }
  const zstdVersion = zstdCli ? (/v[\d.]+/.exec(zstdCli)?.[0] ?? "") : "";
  addRow(
    {
      group,
      name: "zstd level 3 output size, ENet-like corpus as one buffer",
      unit: "bytes",
      ours: med(ours, "zstdOutputBytes"),
      peer: zstdRef,
      peerName: `zstd ${zstdVersion} CLI -3 --no-check`,
      higherIsBetter: false,
      runtime: nodeRuntime,
      note: `input ${whole.length.toLocaleString("en-US")} bytes`,
    },
    1 / 1.15,
    "within 15 % of zstd -3",
  );
  addRow(
    {
      group,
      name: "zstd level 3 output size, zstd test corpus (spec-tests/compress, 10 inputs)",
      unit: "bytes",
      ours: med(ours, "zstdTestCorpusOurs"),
      peer: zstdRefTestCorpus,
      peerName: `zstd ${zstdVersion} CLI -3 --no-check`,
      higherIsBetter: false,
      runtime: nodeRuntime,
      note: `input ${format(med(ours, "zstdTestCorpusBytes"))} bytes: text, JSON, game state, random, mixed, repetitive`,
    },
    1 / 1.15,
    "within 15 % of zstd -3",
  );
  ownRow("zstd level 3 encode (our encoder)", "MB/s", "zstdEncodeMBps", "ENet-like corpus as one buffer");
  ownRow("zstd decode (fzstd, bounded)", "MB/s", "zstdDecodeMBps", "ENet-like corpus as one buffer");
  ownRow("zlib level 6 compress (fflate)", "MB/s", "zlibCompressMBps", "ENet-like corpus as one buffer");
  ownRow("zlib decompress (fflate, bounded)", "MB/s", "zlibDecompressMBps", "ENet-like corpus as one buffer");
}

// ---------------------------------------------------------------- Variant codec

if (section("Variant codec")) {
  const group = "Variant codec: a game-state snapshot (bench/macro/variant.ts), MB/s of its Variant encoding";
  const runs: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) runs.push(runJson(`variant codec run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/variant.ts"), "0.4"]));
  const row = (name: string, field: string, jsonField: string, peerName: string): void => {
    addRow(
      {
        group,
        name,
        unit: "MB/s",
        ours: med(runs, field),
        peer: med(runs, jsonField),
        peerName,
        higherIsBetter: true,
        runtime: nodeRuntime,
        note: `${format(med(runs, "variantBytes"))} bytes as a Variant, ${format(med(runs, "jsonChars"))} as JSON; both columns in snapshots/s x Variant size`,
      },
      1.0,
      ">= 1.0x JSON",
    );
  };
  row("varToBytes vs JSON.stringify", "encodeMBps", "stringifyMBps", "JSON.stringify (same run)");
  row("bytesToVar vs JSON.parse", "decodeMBps", "parseMBps", "JSON.parse (same run)");
}

// ---------------------------------------------------------------- SceneMultiplayer RPC

if (section("SceneMultiplayer RPC")) {
  const group = "SceneMultiplayer: rpc_id(1, method, int, float, String) over the loopback WebSocket multiplayer peer (bench/macro/scene-rpc.ts)";
  const runs: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) runs.push(runJson(`scene rpc run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/scene-rpc.ts"), "1", "256"]));
  addRow({ group, name: "RPCs per second, client to server", unit: "RPC/s", ours: med(runs, "rpcPerSec"), peer: null, peerName: "", higherIsBetter: true, runtime: nodeRuntime, note: "batches of 256 calls per poll round, path cached (8-bit ids)" }, null, "none set");
  addRow({ group, name: "server time per RPC (inside poll(), WebSocket receive included)", unit: "us", ours: med(runs, "serverUsPerRpc"), peer: null, peerName: "", higherIsBetter: false, runtime: nodeRuntime, note: "wall time in server.poll() / RPCs handled" }, null, "none set");
  const replication: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) replication.push(runJson(`scene replication run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/scene-replication.ts"), "1000", "8", "60"]));
  addRow(
    {
      group: "SceneMultiplayer replication at scale: 1,000 spawned nodes (position ALWAYS, hp ON_CHANGE) behind a distance visibility filter, 8 peers, simulated network (bench/macro/scene-replication.ts)",
      name: "server time per poll (filters, spawns and despawns as nodes cross the radius, syncs, deltas, WebSocket send)",
      unit: "ms",
      ours: med(replication, "serverMsPerPoll"),
      peer: null,
      peerName: "",
      higherIsBetter: false,
      runtime: nodeRuntime,
      note: "every node moves every round and a tenth change hp; the median round of 60 after 10 warm-up rounds",
    },
    null,
    "none set",
  );
}

// ---------------------------------------------------------------- micro-benchmarks

// ---------------------------------------------------------------- DTLS (bench/macro/dtls.ts)

if (section("DTLS")) {
  const group = "DTLS 1.2: handshakes (sans-IO cores in memory) and ENet over DTLS vs plain ENet (loopback, reliable, 512 in flight)";
  const hs: (Json | null)[] = [];
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) hs.push(runJson(`handshakes run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/dtls.ts"), "handshakes", "100"]));
  addRow(
    { group, name: "handshakes (ECDHE-ECDSA P-256 cert, X25519, AES-128-GCM), client + server in one thread", unit: "handshakes/s", ours: med(hs, "handshakesPerSecond"), peer: null, peerName: "", higherIsBetter: true, runtime: nodeRuntime, note: "both sides' crypto on one core" },
    null,
    "none set",
  );
  for (const [size, count] of [[64, 40_000], [1200, 15_000]] as const) {
    const plain: (Json | null)[] = [];
    const dtls: (Json | null)[] = [];
    for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
      plain.push(runJson(`ENet ${size} B plain run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/dtls.ts"), "enet", "plain", String(size), String(count)]));
      dtls.push(runJson(`ENet ${size} B DTLS run ${run}/${RUNS_PER_FIGURE}`, NODE, [...script("bench/macro/dtls.ts"), "enet", "dtls", String(size), String(count)]));
    }
    addRow(
      { group, name: `ENet reliable ${size} B over DTLS (ChaCha20-Poly1305, our first choice) vs plain ENet`, unit: "packets/s", ours: med(dtls, "packetsPerSecond"), peer: med(plain, "packetsPerSecond"), peerName: "packetpeer ENet without DTLS", higherIsBetter: true, runtime: nodeRuntime, note: `${count} packets per run` },
      null,
      "none set (the cost of encryption)",
      { ours: dtls, peer: plain, oursField: "packetsPerSecond" },
    );
  }
}

// ---------------------------------------------------------------- browser bundle sizes

if (section("Browser bundle")) {
  const group = "Browser bundle: esbuild --bundle --minify --platform=browser of the browser entry (src/browser.ts), gzip -9 of that";
  try {
    const esbuild = await import("esbuild");
    const { gzipSync } = await import("node:zlib");
    const entries: [string, string][] = [
      ["WebSocket client (WebSocketPeer + WebSocketMultiplayerPeer)", 'export { WebSocketPeer, WebSocketMultiplayerPeer } from "./src/browser.ts";'],
      ["WebSocket client + SceneMultiplayer", 'export { WebSocketPeer, WebSocketMultiplayerPeer, SceneMultiplayer } from "./src/browser.ts";'],
      ["Variant encoding only (varToBytes, bytesToVar)", 'export { varToBytes, bytesToVar } from "./src/browser.ts";'],
      ["the whole browser entry", 'export * from "./src/browser.ts";'],
    ];
    for (const [name, contents] of entries) {
      const out = await esbuild.build({ stdin: { contents, resolveDir: ROOT, loader: "ts" }, bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "error" });
      const bytes = out.outputFiles[0]!.contents;
      addRow({ group, name: `${name}, minified`, unit: "bytes", ours: bytes.length, peer: null, peerName: "", higherIsBetter: false, runtime: "esbuild", note: `gzip -9: ${gzipSync(bytes, { level: 9 }).length.toLocaleString("en-US")} bytes` }, null, "none set");
    }
  } catch (err) {
    notes.push(`Browser bundle sizes not measured: ${String(err).split("\n")[0]}`);
  }
}

if (section("Micro-benchmarks")) {
  const group = "Micro-benchmarks of the hot paths (tinybench, internals imported from src/)";
  // One tinybench round per process, RUNS_PER_FIGURE processes: JIT decisions differ
  // from process to process, and the median should cover that too.
  say(`tinybench: every task for 400 ms in each of ${RUNS_PER_FIGURE} processes; the figure is the median process`);
  const perTask = new Map<string, { unit: string; values: number[] }>();
  let failed = 0;
  for (let run = 1; run <= RUNS_PER_FIGURE; run++) {
    process.stdout.write(`[${elapsed()}]   tinybench process ${run}/${RUNS_PER_FIGURE} ... `);
    const r = spawnSync(NODE, [...script("bench/micro/hot-paths.ts"), "400", "1"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 180_000,
      killSignal: "SIGKILL",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 16 << 20,
    });
    if (r.status !== 0) {
      failed++;
      process.stdout.write(`FAILED (${r.signal ?? r.status}) ${(r.stderr ?? "").trim().split("\n").slice(-2).join(" / ")}\n`);
      continue;
    }
    process.stdout.write("done\n");
    for (const line of (r.stdout ?? "").split("\n")) {
      if (!line.startsWith("{")) continue;
      const m = JSON.parse(line) as { name: string; unit: string; value: number };
      const entry = perTask.get(m.name) ?? { unit: m.unit, values: [] };
      entry.values.push(m.value);
      perTask.set(m.name, entry);
    }
  }
  for (const [name, { unit, values }] of perTask) {
    const ours = failed === 0 ? median(values) : Number.NaN;
    addRow({ group, name, unit, ours, peer: null, peerName: "", higherIsBetter: true, runtime: nodeRuntime }, null, "none set");
  }
}

// ---------------------------------------------------------------- earlier figures, results file

// A row without a peer is compared with the same figure of the previous results file.
for (const row of rows) {
  if (row.peer !== null) continue;
  const before = earlier.get(figureKey(row.group, row.name, row.unit));
  if (!before) continue;
  row.peer = before.value;
  row.peerName = `our earlier run (${before.date})`;
}
// The range coder also against our own earlier figures (the issue asks for both).
for (const row of [...rows]) {
  if (!row.name.startsWith("range coder") || !row.name.endsWith(", vs libenet") || row.unit !== "MB/s") continue;
  const name = row.name.replace(", vs libenet", ", vs our earlier run");
  const before = earlier.get(figureKey(row.group, name, row.unit));
  rows.splice(rows.indexOf(row) + 1, 0, {
    ...row,
    name,
    peer: before ? before.value : null,
    peerName: before ? `our earlier run (${before.date})` : "no earlier figure",
    runtime: nodeRuntime,
    goal: "none set",
  });
}

if (bundled.size > 0) {
  notes.push(
    "On Node, packetpeer (and every harness) runs from esbuild bundles made at bench time, dependencies external, like the tsup-built package; not through tsx, whose keepNames transform would add a property store to every closure. On Bun, the TypeScript sources run directly.",
  );
}
const loadAtEnd = loadavg();
const seconds = (performance.now() - t0) / 1000;
notes.unshift(
  `Load average (1, 5, 15 min) at start: ${loadAtStart.map((l) => l.toFixed(2)).join(", ")}; at the end: ${loadAtEnd.map((l) => l.toFixed(2)).join(", ")}. ` +
    "Other work on the machine during the run makes every figure lower and noisier. Where both sides of a row ran interleaved (run i of packetpeer back to back with run i of the peer), its ratio is the median of the run-by-run ratios, listed in its notes; the two figures are each side's own median. This VM's speed changes in spells of seconds to minutes, and a spell that covers a pair slows both of its sides.",
);
if (only) notes.push(`Partial run: only sections matching "${only}".`);
if (skippedForTime.length) notes.push(`Skipped to stay within the time budget (the machine was too slow or busy): ${skippedForTime.join(", ")}.`);
const head = tryCommand("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
const dirty = tryCommand("git", ["-C", ROOT, "status", "--porcelain", "--", "src"]);
if (head !== null) {
  // Porcelain lines are "XY path"; the output was trimmed, so strip the status field by pattern.
  const changed = (dirty ?? "").split("\n").filter((l) => l.trim() !== "").map((l) => l.replace(/^\s*\S+\s+/, ""));
  notes.push(
    `Source measured: the working tree at commit ${head}` +
      (changed.length ? `, with uncommitted changes in ${changed.join(", ")} (work in progress by other engineers at the time of the run).` : ", no uncommitted changes in src/."),
  );
}
const ccVersion = tryCommand("cc", ["--version"])?.split("\n")[0] ?? "not found";
const enetDeb = tryCommand("dpkg-query", ["-W", "-f", "${Version}", "libenet-dev"]) ?? "unknown";
writeResults(outPath, rows, {
  started,
  seconds,
  command: `npm run bench${args.length ? " -- " + args.join(" ") : ""}`,
  versions: {
    node: process.version,
    bun: hasBun ? bunVersion : "not found",
    deno: hasDeno ? denoRuntime.slice(5) : "not found",
    "libenet-dev": enetDeb,
    cc: ccVersion,
    "npm enet": packageVersion("enet").replace(/^v/, ""),
    ws: packageVersion("ws"),
    tinybench: packageVersion("tinybench"),
    fflate: packageVersion("fflate"),
    fzstd: packageVersion("fzstd"),
    zstd: zstdCli ? (/v[\d.]+/.exec(zstdCli)?.[0] ?? "?") : "not found",
  },
  notes,
});
say(`wrote ${outPath} (${rows.length} rows) in ${seconds.toFixed(0)} s`);
