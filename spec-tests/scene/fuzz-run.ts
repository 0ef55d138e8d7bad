/**
 * `npm run fuzz:scene`: the long run of the SceneMultiplayer hostile-input scenario
 * (fuzz-engine.ts), 1,000,000 hostile packets by default for each protocol (Godot 4's
 * SceneMultiplayer, Godot 3's MultiplayerAPI) over each transport (WebSocket, ENet), at a server
 * serving a live honest session and, turned around, at an honest client of a hostile server. Fails (exit 1) on an exception out of poll(), a lost, reordered or damaged honest
 * call, a replication left behind, a table past its documented bound, or heap growth past a
 * bound. Usage: npm run fuzz:scene [-- PACKETS_PER_RUN [SEED]]
 */
import "../register-runtimes.ts";
import { runSceneFuzz, type SceneProtocol, type SceneTransport } from "./fuzz-engine.ts";

const packets = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
/**
 * Heap a run may hold after a full GC beyond where it was once warmed up (after its first
 * progress reading): the session's tables are bounded, so the heap must level off.
 */
const HEAP_GROWTH_LIMIT = 48 * 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

const started = performance.now();
let failures = 0;
let total = 0;
const summaries: string[] = [];
const runs: [SceneProtocol, SceneTransport, "server" | "client"][] = [];
for (const victim of ["server", "client"] as const) {
  for (const transport of ["websocket", "enet"] as const) for (const protocol of ["godot4", "godot3"] as const) runs.push([protocol, transport, victim]);
}
for (const [i, [protocol, transport, victim]] of runs.entries()) {
  // Half the runs decode whole objects (allowObjectDecoding, as a game may choose): both protocols of
  // a transport and side together, which half depending on the seed.
  const objects = ((seed + (i >> 1)) & 1) === 1;
  const label = `${protocol}/${transport} ${victim === "server" ? "hostile clients" : "hostile server"}${objects ? " with objects" : ""} seed ${seed + i}`;
  const t = performance.now();
  const heapBefore = heap();
  let warm = -1;
  let maxGrowth = 0;
  let maxHeap = 0;
  const r = await runSceneFuzz({
    protocol,
    transport,
    victim,
    allowObjects: objects,
    seed: seed + i,
    packets,
    onProgress: (p) => {
      const h = heap();
      maxHeap = Math.max(maxHeap, h);
      if (warm < 0) warm = h;
      else maxGrowth = Math.max(maxGrowth, h - warm);
      console.log(
        `${label}: ${p.packets.toLocaleString("en-US")} hostile packets, ${p.honestCalls} honest calls, ${p.drops.toLocaleString("en-US")} drops, ` +
          `heap ${gc ? mib(h) : "?"}, ${p.failures} failures, ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    },
  });
  total += r.packets;
  const seconds = (performance.now() - t) / 1000;
  for (const f of r.failures) console.log(`  FAIL ${label}: ${f}`);
  failures += r.failures.length;
  const heapFail = gc !== undefined && maxGrowth > HEAP_GROWTH_LIMIT;
  if (heapFail) {
    failures++;
    console.log(`  FAIL ${label}: heap grew by ${mib(maxGrowth)} after warming up (limit ${mib(HEAP_GROWTH_LIMIT)})`);
  }
  const d = r.drops;
  console.log(`  generators: ${Object.entries(r.byGenerator).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  captured from honest traffic: ${Object.entries(r.captured).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  server drops: ${Object.entries(d).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  peer drops: ${Object.entries(r.peerDrops).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
  const summary =
    `${label}: ${r.packets.toLocaleString("en-US")} hostile packets in ${seconds.toFixed(1)} s (${Math.round(r.packets / seconds).toLocaleString("en-US")}/s, ${r.virtualSeconds.toFixed(0)} s virtual), ` +
    `${r.honestDelivered}/${r.honestCalls} honest calls in order, ${r.honestUpdates} honest updates, ${r.reconnects} reconnects, ${r.freed.shots}/${r.freed.insider} nodes freed (server/insider), ` +
    `paths ≤ ${r.maxRemotePaths}, remote spawns ≤ ${r.maxRemoteSpawns}, nodes ≤ ${r.maxNodes}, peers ≤ ${r.maxPeers}, ${r.handlerThrows} handler throws counted; ` +
    `heap ${gc ? `${mib(heapBefore)} before, ${mib(maxHeap)} at most, ${mib(maxGrowth)} growth after warm-up` : "not measured (run with --expose-gc)"}; ` +
    `${r.failures.length === 0 && !heapFail ? "no failure" : "FAILED"}`;
  summaries.push(summary);
  console.log(summary);
}
// The per-run lines again, together above the closing line.
for (const line of summaries) console.log(line);
console.log(
  `scene fuzz: seed ${seed}, ${total.toLocaleString("en-US")} hostile packets over ${runs.length} runs (2 protocols × 2 transports × the server or a client attacked) in ${((performance.now() - started) / 1000).toFixed(1)} s; ${failures === 0 ? "no failure" : `${failures} FAILURES`}`,
);
process.exitCode = failures === 0 ? 0 : 1;
