// The session IDs a server gives (handshake.ts, RecentSessions in admission.ts). A receiver knows
// a session by slot, address, port and a 2-bit session ID, and C ENet's rule only keeps a new
// session's ID off the slot's previous one. A remote never told that its session ended keeps
// sending with the old ID; four sessions later on that slot the rule hands the same ID out again,
// and a new session of that remote there would take the old session's packets as its own. Ours
// also keeps the ID off the ones that remote last had on the slot. Nothing changes on the wire: the
// client adopts whatever IDs VERIFY_CONNECT gives (C ENet included).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { SendResult } from "../../src/enet/host-core.ts";
import { SimNetwork } from "./sim.ts";

describe("ENet session IDs", () => {
  test("a remote whose old session on a slot was reset without a word cannot reach its new session there", () => {
    const net = new SimNetwork({ latency: 5, seed: 9 });
    const server = net.addHost({ peerCount: 1, channelLimit: 1 });
    const zombieSide = net.addHost({ peerCount: 2 });
    const other = net.addHost({ peerCount: 1 });
    const drain = (): void => {
      for (const h of [zombieSide, other]) while (h.core.pollEvent());
    };
    // Session A: the server resets it without telling the client, which stays connected.
    const a = net.connectPair(zombieSide, server, 1);
    const sessionA = a.serverPeer.incomingSessionID;
    server.core.resetPeer(a.serverPeer);
    // Three sessions of another client on the slot move C ENet's choice round to A's ID again.
    for (let i = 0; i < 3; i++) {
      const x = net.connectPair(other, server, 1);
      other.core.disconnect(x.clientPeer, 0);
      net.runUntil(net.now + 1000, () => {
        drain();
        while (server.core.pollEvent());
      });
      assert.equal(x.serverPeer.state, PeerState.STATE_DISCONNECTED);
    }
    // Session B: the same client, from its other slot, to the same server slot.
    const b = net.connectPair(zombieSide, server, 1);
    assert.equal(b.serverPeer.incomingPeerID, a.serverPeer.incomingPeerID, "the same slot");
    assert.notEqual(b.serverPeer.incomingSessionID, sessionA, `B's session ID is not A's (${sessionA}), which C ENet's rule gives here`);
    // A's client still sends on A: none of it may arrive as B's.
    const received: number[] = [];
    for (let n = 0; n < 5; n++) {
      assert.equal(zombieSide.core.send(a.clientPeer, 0, new Uint8Array([0xa0, n]), PacketFlags.RELIABLE), SendResult.OK);
      assert.equal(zombieSide.core.send(b.clientPeer, 0, new Uint8Array([0xb0, n]), PacketFlags.RELIABLE), SendResult.OK);
    }
    net.runUntil(net.now + 2000, () => {
      drain();
      for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) if (e.type === EventType.RECEIVE) received.push(e.packet![0]! * 256 + e.packet![1]!);
    });
    assert.deepEqual(
      received,
      [0, 1, 2, 3, 4].map((n) => 0xb000 + n),
      "B got its own five packets, in order, and none of A's",
    );
  });
});
