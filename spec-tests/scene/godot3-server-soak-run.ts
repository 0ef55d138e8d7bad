// npm run soak:godot3-server -- [SEEDS] [FIRST] [CALLS]: the soak of godot3-server-soak.ts, a live
// Godot 3.2.3 server with 1-3 of our SceneMultiplayer clients through lossy UDP relays, seeds
// FIRST..FIRST+SEEDS-1 (default 20 seeds from 1, 400 operations each), one Godot process per seed.
// Prints a line per seed and a summary; exits 1 if any seed failed. A seed that failed by an ENet
// peer timeout alone runs once more (runServerSoakWithOneRetry); the summary counts those.
import "../register-runtimes.ts";
import { describeServerSoak, godot3SoakSkipReason, runServerSoakWithOneRetry } from "./godot3-server-soak.ts";
import { soakArgs } from "../support/soak-args.ts";

const [seeds, first, calls] = soakArgs("godot3-server-soak-run.ts [SEEDS] [FIRST] [CALLS]", [20, 1, 400]) as [number, number, number];
const skip = godot3SoakSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}
const failedSeeds: number[] = [];
const timedOutOnce: number[] = [];
const t0 = Date.now();
const totals = { ops: 0, relayed: 0, reliable: 0, unreliableSent: 0, unreliableBack: 0, datagrams: 0, dropped: 0 };
for (let seed = first; seed < first + seeds; seed++) {
  const { result: r, first } = await runServerSoakWithOneRetry(seed, calls);
  if (first) {
    timedOutOnce.push(seed);
    console.log(`seed ${seed}: peer timeout after ${first.ms} ms (${first.peerTimeout}); running it again`);
  }
  const unreliableSent = r.sent.unsequenced + r.sent.ordered;
  const unreliableBack = r.echoed.unsequenced + r.echoed.ordered;
  totals.ops += r.plan.scene.ops.length;
  totals.relayed += r.relayed;
  totals.reliable += r.echoed.reliable;
  totals.unreliableSent += unreliableSent;
  totals.unreliableBack += unreliableBack;
  totals.datagrams += r.relay.seen;
  totals.dropped += r.relay.dropped;
  if (r.failures.length > 0) {
    failedSeeds.push(seed);
    console.log(`seed ${seed} FAILED after ${r.ms} ms (${describeServerSoak(r.plan)}):\n  ${r.failures.join("\n  ")}`);
  } else {
    console.log(
      `seed ${seed} ok: ${describeServerSoak(r.plan)}; ${r.plan.scene.ops.length} ops (${r.relayed} client to client, ${r.relayedArrived.reliable + r.relayedArrived.unsequenced + r.relayedArrived.ordered} arrived): ` +
        `reliable ${r.echoed.reliable}/${r.sent.reliable}, unsequenced ${r.echoed.unsequenced}/${r.sent.unsequenced}, sequenced ${r.echoed.ordered}/${r.sent.ordered} arrived ` +
        `(Godot got ${r.godotGotUnreliable} unreliable; ${r.bigUnreliable} fragmented, all arrived); relays ${r.relay.seen} datagrams, ${r.relay.dropped} dropped, ` +
        `${r.relay.duplicated} duplicated, ${r.relay.delayed} delayed; ${(r.bytesSent / 1024).toFixed(0)} KiB, longest loop stall ${r.maxLoopGapMs} ms, ${r.ms} ms`,
    );
  }
}
console.log(
  `${seeds - failedSeeds.length}/${seeds} seeds passed in ${((Date.now() - t0) / 1000).toFixed(1)} s${failedSeeds.length > 0 ? ` (failed: ${failedSeeds.join(", ")})` : ""}; ` +
    `${timedOutOnce.length} run again after a peer timeout${timedOutOnce.length > 0 ? ` (${timedOutOnce.join(", ")})` : ""}: ` +
    `${totals.ops} operations (${totals.relayed} client to client), ${totals.reliable} reliable arrivals, ${totals.unreliableBack}/${totals.unreliableSent} unreliable arrived; ` +
    `relays ${totals.datagrams} datagrams, ${totals.dropped} dropped`,
);
process.exit(failedSeeds.length > 0 ? 1 : 0);
