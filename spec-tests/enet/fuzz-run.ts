/**
 * `npm run fuzz`: the long run of the ENet hostile-input scenario (fuzz-engine.ts): every
 * compression mode with checksums off and on, 100,000 hostile datagrams each by default, so at
 * least 1,000,000 per run, each at a host serving a live honest session. Fails (exit 1) on an
 * exception inside the host, a lost, corrupt or reordered honest message, a limit exceeded, or
 * heap growth past a bound. Usage: npm run fuzz [-- DATAGRAMS_PER_CONFIG [FIRST_SEED]]
 */
import "../register-runtimes.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { MAX_PENDING_UNRELIABLE_PER_CHANNEL } from "../../src/enet/constants.ts";
import { runHostile } from "./fuzz-engine.ts";

const perConfig = Number(process.argv[2] ?? 100_000);
const firstSeed = Number(process.argv[3] ?? 7_000);
/** Heap the whole run may keep after a full GC beyond where it started (the hosts are dropped between configs). */
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

const modes = [CompressionMode.NONE, CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD];
const started = performance.now();
const heapBefore = heap();
let total = 0;
let failures = 0;
let seed = firstSeed;
for (const compression of modes) {
  for (const checksum of [false, true]) {
    const t = performance.now();
    const r = runHostile({ seed: seed++, datagrams: perConfig, compression, checksum });
    total += r.injected;
    const problems: string[] = [];
    if (r.drops.internalErrors !== 0) problems.push(`${r.drops.internalErrors} exceptions inside the host (${String(r.server.lastInternalError)})`);
    if (r.corrupt !== 0) problems.push(`${r.corrupt} corrupt honest messages`);
    if (!r.honestSettled) problems.push("the honest session was not connected with everything acknowledged after the hostile traffic");
    if (!r.honestDisconnected) problems.push("the honest session did not end with its own disconnect");
    const inOrder = r.received.length === r.sent && r.received.every((v, i) => v === i * 3);
    if (!inOrder) problems.push(`honest messages: ${r.received.length} of ${r.sent} arrived in order`);
    if (r.maxSeenWaiting > r.maxWaiting + 2 * 1024 * 1024) problems.push(`waiting data ${r.maxSeenWaiting} past the limit`);
    if (r.maxPending > MAX_PENDING_UNRELIABLE_PER_CHANNEL) problems.push(`pending unreliable ${r.maxPending} past the limit`);
    failures += problems.length;
    console.log(
      `${CompressionMode[compression].padEnd(11)} checksum ${checksum ? "on " : "off"}: ${r.injected} hostile datagrams, ${r.sent} honest messages ` +
        `${inOrder ? "intact" : "DAMAGED"}, dropped ${r.drops.datagrams} datagrams / ${r.drops.commands} commands, ${((performance.now() - t) / 1000).toFixed(1)} s` +
        (problems.length ? `\n  FAIL: ${problems.join("; ")}` : ""),
    );
  }
}
const growth = heap() - heapBefore;
if (gc && growth > HEAP_GROWTH_LIMIT) {
  failures++;
  console.log(`FAIL: heap grew by ${(growth / 1048576).toFixed(1)} MiB (limit ${HEAP_GROWTH_LIMIT / 1048576} MiB)`);
}
console.log(
  `enet fuzz: ${total.toLocaleString("en-US")} hostile datagrams over ${modes.length * 2} configurations in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    `heap ${gc ? `${(growth / 1048576).toFixed(1)} MiB after vs before (after GC)` : "not measured (run with --expose-gc)"}; ${failures === 0 ? "no failure" : `${failures} FAILURES`}`,
);
process.exitCode = failures === 0 ? 0 : 1;
