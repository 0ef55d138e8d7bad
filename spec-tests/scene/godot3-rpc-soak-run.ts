// npm run soak:godot3-rpc -- [SEEDS] [FIRST] [CALLS]: the RPC soak of
// godot3-rpc-soak.ts against a live Godot 3.2.3 client through a lossy UDP relay, seeds
// FIRST..FIRST+SEEDS-1 (default 20 seeds from 1, 400 operations each), one Godot process per seed.
// Prints a line per seed and a summary; exits 1 if any seed failed. A seed that failed by a
// peer timeout alone runs once more (runRpcSoakWithOneRetry); the summary counts those.
import "../register-runtimes.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { godot3SoakSkipReason, runRpcSoakWithOneRetry } from "./godot3-rpc-soak.ts";
import { soakArgs } from "../support/soak-args.ts";

const [seeds, first, calls] = soakArgs("godot3-rpc-soak-run.ts [SEEDS] [FIRST] [CALLS]", [20, 1, 400]) as [number, number, number];
const skip = godot3SoakSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}
let failed = 0;
const timedOutOnce: number[] = [];
const t0 = Date.now();
const totals = { sent: 0, reliable: 0, unreliableSent: 0, unreliableBack: 0, datagrams: 0, dropped: 0, duplicated: 0, delayed: 0, godotNoise: 0, afterLeaving: 0 };
for (let seed = first; seed < first + seeds; seed++) {
  const { result: r, first } = await runRpcSoakWithOneRetry(seed, calls);
  if (first) {
    timedOutOnce.push(seed);
    console.log(`seed ${seed}: peer timeout after ${first.ms} ms (${first.peerTimeout}); running it again`);
  }
  const p = r.plan;
  const sets = p.ops.filter((o) => p.members[o.member]!.kind === "set").length;
  const scene =
    `${p.nodeNames.length} nodes x ${p.members.filter((m) => m.kind === "call").length} methods + ${p.members.filter((m) => m.kind === "set").length} properties, ` +
    `${CompressionMode[p.compression]}, loss ${(p.loss * 100).toFixed(1)} %, dup ${p.duplicate}, reorder ${p.reorder}`;
  totals.sent += p.ops.length;
  totals.reliable += r.echoed.reliable;
  totals.unreliableSent += r.sent.unsequenced + r.sent.ordered;
  totals.unreliableBack += r.echoed.unsequenced + r.echoed.ordered;
  totals.datagrams += r.relay.seen;
  totals.dropped += r.relay.dropped;
  totals.duplicated += r.relay.duplicated;
  totals.delayed += r.relay.delayed;
  totals.godotNoise += r.godotErrors.length;
  totals.afterLeaving += r.afterLeaving;
  if (r.failures.length > 0) {
    failed++;
    console.log(`seed ${seed} FAILED (${scene}):\n  ${r.failures.join("\n  ")}`);
    if (r.godotErrors.length > 0) console.log(`  Godot said:\n    ${r.godotErrors.slice(0, 10).join("\n    ")}`);
  } else {
    const late = r.afterLeaving > 0 ? `, ${r.afterLeaving} path-cache packets served after Godot left` : "";
    const noise = late + (r.godotErrors.length > 0 ? `, ${r.godotErrors.length} Godot error lines: ${r.godotErrors[0]}` : "");
    console.log(
      `seed ${seed} ok: ${scene}; ${p.ops.length} ops (${sets} sets): reliable ${r.echoed.reliable}/${r.sent.reliable}, ` +
        `unsequenced ${r.echoed.unsequenced}/${r.sent.unsequenced}, sequenced ${r.echoed.ordered}/${r.sent.ordered} back ` +
        `(Godot got ${r.godotGotUnreliable} unreliable; ${r.bigUnreliable} fragmented ones, all back); relay ${r.relay.seen} datagrams, ${r.relay.dropped} dropped, ` +
        `${r.relay.duplicated} duplicated, ${r.relay.delayed} delayed; ${(r.bytesSent / 1024).toFixed(0)} KiB, ${r.ms} ms${noise}`,
    );
  }
}
console.log(
  `${seeds - failed}/${seeds} seeds passed in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${totals.sent} operations, ` +
    `${totals.reliable} reliable echoes, ${totals.unreliableBack}/${totals.unreliableSent} unreliable echoed; relay ${totals.datagrams} datagrams ` +
    `(${totals.dropped} dropped, ${totals.duplicated} duplicated, ${totals.delayed} delayed); ${totals.godotNoise} Godot error lines; ` +
    `${totals.afterLeaving} path-cache packets served after Godot left; ` +
    `${timedOutOnce.length} run again after a peer timeout${timedOutOnce.length > 0 ? ` (${timedOutOnce.join(", ")})` : ""}`,
);
process.exit(failed > 0 ? 1 : 0);
