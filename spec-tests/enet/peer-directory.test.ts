/**
 * The CONNECT handler reads a directory of slots kept as peers change state
 * (src/enet/peer-directory.ts) instead of walking every slot as C ENet does. This holds it to
 * the walk after every step of a session with connects, disconnects, timeouts, retransmitted
 * CONNECTs and a flood that evicts half-open peers.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PeerState } from "../../src/enet/enums.ts";
import { CONNECT_CONNECT_ID } from "../../src/enet/wire.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { SimNetwork } from "./sim.ts";

const counted = (s: PeerState): boolean => s !== PeerState.STATE_DISCONNECTED && s !== PeerState.STATE_CONNECTING;

/** Differences between the directory and a walk over every slot (empty when they agree). */
function disagreements(host: HostCore): string[] {
  const out: string[] = [];
  const d = host.directory;
  const firstFree = host.peers.find((p) => p.state === PeerState.STATE_DISCONNECTED) ?? null;
  if (d.firstFree() !== firstFree) out.push(`first free slot ${d.firstFree()?.incomingPeerID} vs ${firstFree?.incomingPeerID}`);
  const halfOpen = host.peers.filter((p) => p.state === PeerState.STATE_ACKNOWLEDGING_CONNECT);
  if (halfOpen.length !== d.halfOpen.size || halfOpen.some((p) => !d.halfOpen.has(p))) out.push(`half-open ${d.halfOpen.size} vs ${halfOpen.length}`);
  const perAddress = new Map<string, number>();
  for (const p of host.peers) {
    if (!counted(p.state)) continue;
    perAddress.set(p.address, (perAddress.get(p.address) ?? 0) + 1);
    if (d.liveWith(p.address, p.port, p.connectID) !== p) out.push(`peer ${p.incomingPeerID} (state ${p.state}) not found by its connect ID`);
  }
  for (const address of ["10.0.0.2", "10.0.0.3", "10.9.9.9"]) {
    if (d.countFrom(address) !== (perAddress.get(address) ?? 0)) out.push(`${address}: ${d.countFrom(address)} live vs ${perAddress.get(address) ?? 0}`);
  }
  return out;
}

function connectTemplate(): Uint8Array {
  const h = new HostCore({ peerCount: 1 });
  h.connect("10.0.0.1", 7000, 2, 0);
  h.flush(0);
  return h.pollTransmit()!.data.slice();
}

describe("peer directory: the CONNECT handler's view of the slots", () => {
  test("agrees with a walk over every slot through connects, disconnects, timeouts, retransmitted CONNECTs and a flood", () => {
    const net = new SimNetwork({ loss: 0.1, latency: 10, jitter: 10, seed: 8 });
    const server = net.addHost({ peerCount: 16, halfOpenLimit: 8, connectInterval: 50 }, "10.0.0.1", 7000);
    const clients = [net.addHost({ peerCount: 6 }, "10.0.0.2", 7001), net.addHost({ peerCount: 6 }, "10.0.0.3", 7002)];
    const rng = new SeededRandom(12);
    const template = connectTemplate();
    const at = template.length - 48 + CONNECT_CONNECT_ID;
    const problems: string[] = [];
    let connects = 0;
    for (let t = 0; t < 30_000; t += 20) {
      net.runUntil(t, () => {
        for (const h of net.hosts) for (let e = h.core.pollEvent(); e !== null; e = h.core.pollEvent()) if (e.type === EventType.CONNECT && h === server) connects++;
      });
      for (const h of net.hosts) for (const p of disagreements(h.core)) if (problems.length < 5) problems.push(`t=${t} ${h.address}: ${p}`);
      const r = rng.nextInt(20);
      const client = clients[rng.nextInt(2)]!;
      const peer = client.core.peers[rng.nextInt(client.core.peers.length)]!;
      if (r < 4 && peer.state === PeerState.STATE_DISCONNECTED) client.core.connect("10.0.0.1", 7000, 2, 0);
      else if (r === 4 && peer.state === PeerState.STATE_CONNECTED) client.core.disconnect(peer, 0);
      else if (r === 5 && peer.state !== PeerState.STATE_DISCONNECTED) client.core.disconnectNow(peer, 0);
      else if (r === 6) client.core.resetPeer(peer); // the server sees it time out
      else if (r >= 15) {
        // Flood CONNECTs that never complete, some repeated (a retransmission with the same connect ID).
        const d = template.slice();
        new DataView(d.buffer).setUint32(at, rng.nextInt(r === 19 ? 4 : 1 << 30));
        net.inject(server, d, "10.9.9.9", 40000 + rng.nextInt(6));
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(connects > 20, `connects: ${connects}`);
    assert.ok(server.core.connectCounters.evicted > 0, `the flood evicted half-open peers (${JSON.stringify(server.core.connectCounters)})`);
  });
});
