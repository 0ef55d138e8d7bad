// A client whose acknowledgement of our VERIFY_CONNECT is lost: its first data proves the
// handshake arrived (only VERIFY_CONNECT told it our slot and session), so the server peer
// connects on it (receive.ts, connectOnProof) instead of refusing everything until a
// retransmitted VERIFY_CONNECT is acknowledged, as C ENet 1.3 does; that held the client's
// first reliable packets for seconds (found by the Godot 3.2.3 RPC soak through a lossy relay).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { SimNetwork, type SimHost } from "./sim.ts";

/** ENet's header: peer ID and flags (2 bytes), then the sent time (2 bytes) when its flag (bit 15) is set. */
const firstCommandAt = (data: Uint8Array): number => ((data[0]! & 0x80) !== 0 ? 4 : 2);

interface Outcome {
  /** Virtual ms from the client's CONNECT event to the server's RECEIVE of its first packet. */
  deliveryMs: number;
  provenByCommand: number;
  dropped: number;
}

function run(firstPacket: "reliable" | "unreliable" | "ping-only"): Outcome {
  const net = new SimNetwork({ latency: 20 });
  const server = net.addHost({ peerCount: 4, channelLimit: 2 });
  const client = net.addHost({ peerCount: 1, channelLimit: 2 });
  const serverPeer = (): PeerState | undefined => server.core.peers.find((p) => p.address === client.address)?.state;
  // Lose every client datagram that starts with an ACKNOWLEDGE while the server peer is half-open:
  // the acknowledgement of VERIFY_CONNECT and its retransmissions never arrive.
  let dropped = 0;
  net.drop = (data, from: SimHost) => {
    if (from !== client || serverPeer() !== PeerState.STATE_ACKNOWLEDGING_CONNECT) return false;
    if ((data[firstCommandAt(data)]! & 0x0f) !== ProtocolCommand.ACKNOWLEDGE) return false;
    dropped++;
    return true;
  };
  const view = client.core.connect(server.address, server.port, 2, 0)!;
  let connectedAt = -1;
  let receivedAt = -1;
  net.runUntil(net.now + 20_000, () => {
    for (let e = client.core.pollEvent(); e !== null; e = client.core.pollEvent()) {
      if (e.type !== EventType.CONNECT) continue;
      connectedAt = net.now;
      if (firstPacket === "reliable") client.core.send(view, 0, Uint8Array.of(1, 2, 3), PacketFlags.RELIABLE);
      if (firstPacket === "unreliable") client.core.send(view, 0, Uint8Array.of(4, 5, 6), 0);
    }
    for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) {
      if (e.type === EventType.RECEIVE && receivedAt < 0) receivedAt = net.now;
      if (e.type === EventType.CONNECT && firstPacket === "ping-only" && receivedAt < 0) receivedAt = net.now;
    }
  });
  assert.ok(connectedAt >= 0 && receivedAt >= 0, `connected at ${connectedAt}, received at ${receivedAt}`);
  assert.equal(serverPeer(), PeerState.STATE_CONNECTED);
  return { deliveryMs: receivedAt - connectedAt, provenByCommand: server.core.connectCounters.provenByCommand, dropped };
}

describe("ENet: the acknowledgement of VERIFY_CONNECT lost (simulated network)", () => {
  test("the client's first reliable packet connects the server peer and arrives at once", () => {
    const r = run("reliable");
    assert.ok(r.dropped >= 1, "the acknowledgement was lost");
    assert.equal(r.provenByCommand, 1);
    // One way is 20 ms; the client sends at its next service. Refusing it until a retransmitted
    // VERIFY_CONNECT is acknowledged takes a retransmission timeout and the client's back-off (> 1 s).
    assert.ok(r.deliveryMs <= 100, `delivered ${r.deliveryMs} ms after the client connected`);
  });

  test("an unreliable first packet does the same", () => {
    const r = run("unreliable");
    assert.equal(r.provenByCommand, 1);
    assert.ok(r.deliveryMs <= 100, `delivered ${r.deliveryMs} ms after the client connected`);
  });

  test("a client that sends nothing connects on its first PING", () => {
    const r = run("ping-only");
    assert.equal(r.provenByCommand, 1);
    // C ENet's PING interval is 500 ms.
    assert.ok(r.deliveryMs <= 700, `server connected ${r.deliveryMs} ms after the client`);
  });
});
