/**
 * `npm run fuzz:websocket`: the long run of the WebSocket hostile-input scenario (fuzz-engine.ts),
 * 1,000,000 connections by default (about 6 minutes here), about 60 % of them damaged. Fails (exit 1) on any broken rule or
 * on heap growth past a bound. Usage: npm run fuzz:websocket [-- CASES [SEED]]
 */
import "../register-runtimes.ts";
import { runWebSocketFuzz } from "./fuzz-engine.ts";

const cases = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
/** Heap the run may keep after a full GC beyond where it started (every case's core is dropped). */
const HEAP_GROWTH_LIMIT = 32 * 1024 * 1024;
/** Cases per batch: a progress line each, and a heap reading. */
const BATCH = 20_000;

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

const started = performance.now();
const heapBefore = heap();
let done = 0;
let failures: string[] = [];
const totals = { unchunked: 0, reference: 0, bytes: 0, damaged: 0, opened: 0, refused: 0, clean: 0, delivered: 0, checked: 0, views: 0, deflate: 0, compressed: 0 };
const failedWith = new Map<number, number>();
let maxGrowth = 0;
for (let batch = 0; done < cases; batch++) {
  const n = Math.min(BATCH, cases - done);
  const r = runWebSocketFuzz({ seed: seed + batch, cases: n });
  done += n;
  totals.bytes += r.bytes;
  totals.damaged += r.damaged;
  totals.opened += r.opened;
  totals.refused += r.refused;
  totals.clean += r.cleanCloses;
  totals.delivered += r.messagesDelivered;
  totals.checked += r.messagesChecked;
  totals.views += r.inPlaceViews;
  totals.reference += r.comparedWithReference;
  totals.unchunked += r.comparedUnchunked;
  totals.deflate += r.deflateConnections;
  totals.compressed += r.compressedMessages;
  for (const [code, count] of r.failedWith) failedWith.set(code, (failedWith.get(code) ?? 0) + count);
  const found = r.failures.map((f) => `batch seed ${seed + batch}: ${f}`);
  for (const f of found) console.log(`  FAIL ${f}`);
  failures = failures.concat(found);
  maxGrowth = Math.max(maxGrowth, heap() - heapBefore);
  console.log(`${done.toLocaleString("en-US")} connections, ${(totals.bytes / 1048576).toFixed(0)} MiB fed, ${failures.length} failures, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const heapFail = gc !== undefined && maxGrowth > HEAP_GROWTH_LIMIT;
if (heapFail) console.log(`FAIL: heap grew by ${(maxGrowth / 1048576).toFixed(1)} MiB (limit ${HEAP_GROWTH_LIMIT / 1048576} MiB)`);
const codes = [...failedWith].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}: ${n}`).join(", ");
console.log(
  `websocket fuzz: seed ${seed}, ${done.toLocaleString("en-US")} connections (${totals.damaged} damaged), ${(totals.bytes / 1048576).toFixed(0)} MiB; ` +
    `${totals.opened} opened, ${totals.refused} refused, ${totals.clean} closed cleanly, failed by the core with ${codes}; ` +
    `${totals.delivered} messages delivered (${totals.views} as views of a given-away chunk), ${totals.checked} checked byte for byte against the sender; ` +
    `${totals.reference} connections compared whole with the reference reading, ${totals.unchunked} with the same bytes fed in one piece; ` +
    `${totals.deflate} with permessage-deflate (${totals.compressed} messages compressed); ` +
    `heap ${gc ? `${(maxGrowth / 1048576).toFixed(1)} MiB at most after vs before (after GC)` : "not measured (run with --expose-gc)"}; ` +
    `${failures.length === 0 && !heapFail ? "no failure" : `${failures.length + (heapFail ? 1 : 0)} FAILURES`} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = failures.length === 0 && !heapFail ? 0 : 1;
