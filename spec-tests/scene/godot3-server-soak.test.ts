// The seeded soak of godot3-server-soak.ts: a live Godot 3.2.3 server (NetworkedMultiplayerENet,
// MultiplayerAPI) with 2-3 of our SceneMultiplayer (godot3) clients, each through its own UDP relay
// leg that drops, duplicates and delays datagrams, or a lossless one. A fixed slice of seeds that
// together make client-to-client calls and sets through Godot's relay with every delivery (on extra
// ENet channels too, and an unreliable one big enough to travel as reliable fragments), under four
// compression modes, a scene of 226 nodes and a leg at 18 % loss with duplication and reordering.
// Longer runs: npm run soak:godot3-server -- [SEEDS] [FIRST] [CALLS].
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode } from "../../src/compress/types.ts";
import { varToBytes } from "../../src/variant/index.ts";
import { BIG_UNRELIABLE, godot3SoakSkipReason, runServerSoakWithOneRetry, serverSoakPlan, type ServerSoakPlan } from "./godot3-server-soak.ts";

const missing = godot3SoakSkipReason();
if (missing) console.log(`# skipping the Godot 3.2.3 server soak: ${missing}`);
const SEEDS = [4, 10, 54, 55];
const CALLS = 300;
/** Client-to-client operations sent and arrived, by delivery, summed over the seeds that ran. */
const relayedSlice = { sent: { reliable: 0, unsequenced: 0, ordered: 0 }, arrived: { reliable: 0, unsequenced: 0, ordered: 0 } };

/** The operations of a plan that go from one of our clients to another. */
const clientToClient = (p: ServerSoakPlan): number[] => p.scene.ops.map((_, i) => i).filter((i) => p.targetOf[i] !== 0);
const memberOf = (p: ServerSoakPlan, i: number) => p.scene.members[p.scene.ops[i]!.member]!;

describe("live: seeded soak, a Godot 3.2.3 server with our SceneMultiplayer (godot3) clients over ENet through lossy relays", { skip: missing ?? false }, () => {
  test("the slice relays every delivery of calls and sets between clients, on extra channels and as fragments, under four compression modes", () => {
    const plans = SEEDS.map((s) => serverSoakPlan(s, CALLS));
    const relayedKinds = new Set(plans.flatMap((p) => clientToClient(p).map((i) => `${memberOf(p, i).delivery} ${memberOf(p, i).kind}`)));
    assert.deepEqual([...relayedKinds].sort(), ["ordered call", "ordered set", "reliable call", "reliable set", "unsequenced call", "unsequenced set"]);
    assert.ok(plans.some((p) => clientToClient(p).some((i) => memberOf(p, i).channel > 2)), "client to client on an extra channel");
    const bigRelayed = plans.some((p) =>
      clientToClient(p).some((i) => memberOf(p, i).delivery !== "reliable" && p.scene.ops[i]!.args.reduce((n: number, a) => n + varToBytes(a, { protocol: "godot3" }).length, 0) > BIG_UNRELIABLE),
    );
    assert.ok(bigRelayed, "an unreliable client-to-client operation sent as reliable fragments");
    const modes = new Set(plans.map((p) => p.scene.compression));
    for (const mode of [CompressionMode.NONE, CompressionMode.RANGE_CODER, CompressionMode.ZLIB, CompressionMode.ZSTD]) assert.ok(modes.has(mode), CompressionMode[mode]);
    assert.ok(plans.some((p) => p.clients === 3) && plans.some((p) => p.clients === 2), "two and three clients");
    assert.ok(plans.some((p) => p.legs.some((l) => l.loss === 0)) && plans.some((p) => p.legs.some((l) => l.loss > 0.15 && l.duplicate > 0 && l.reorder > 0)), "lossless legs, and heavy loss with duplication and reordering");
    assert.ok(plans.some((p) => p.scene.nodeNames.length > 200), "a scene of more than 200 nodes");
  });

  for (const seed of SEEDS) {
    test(`seed ${seed}: echoes and relayed operations keep ENet's guarantees per stream, every peer signal, nothing dropped, Godot silent`, async () => {
      // A peer timeout (ENet's give-up rule on a lossy leg, see ServerSoakResult.peerTimeout) gets one more run, and says so.
      const { result: r, first } = await runServerSoakWithOneRetry(seed, CALLS, 40_000);
      if (first) console.log(`# seed ${seed}: ${first.peerTimeout}; ran it again. ${first.failures[0]!.slice(0, 1500)}`);
      assert.deepEqual(r.failures, [], `seed ${seed}`);
      assert.equal(r.echoed.reliable, r.sent.reliable);
      assert.ok(r.relay.dropped > 0, "the relays dropped datagrams");
      for (const d of ["reliable", "unsequenced", "ordered"] as const) {
        relayedSlice.sent[d] += r.relayedSent[d];
        relayedSlice.arrived[d] += r.relayedArrived[d];
      }
    });
  }

  // The relay works at all for every delivery, or the checks above would pass with nothing to check.
  test("relayed operations of every delivery arrived across the slice", () => {
    const { sent, arrived } = relayedSlice;
    assert.ok(sent.reliable >= 50 && arrived.reliable === sent.reliable, `reliable: ${arrived.reliable} of ${sent.reliable}`);
    for (const d of ["unsequenced", "ordered"] as const) assert.ok(sent[d] >= 20 && arrived[d] > 0, `${d}: ${arrived[d]} of ${sent[d]} arrived`);
  });
});
