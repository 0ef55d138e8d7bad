// Retransmissions go out in the order their commands were queued (ours). C ENet 1.3.17 puts each
// batch of timed-out commands before whatever already waits at the head of the queue, so a packet
// that timed out earlier, and waits there because the window is full, goes behind every later
// batch. When the receiver holds its limit of out-of-order data and refuses the later packets, the
// one packet it waits for can then never go out again: seen live from C ENet 1.3.17 senders under
// load (spec-tests/enet-interop/host-waiting-data-c.test.ts), and the link timed out.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { SimNetwork } from "./sim.ts";
import { carriesFirstReliablePacket } from "../support/enet-datagrams.ts";

const PACKETS = 40;
const SIZE = 1000;
/** The receiver holds at most 8 packets past a gap. */
const WAITING_LIMIT = 8 * SIZE;

describe("ENet retransmission order", () => {
  test("the packet the receiver waits for goes out before later retransmissions, also through a one-MTU window", () => {
    const net = new SimNetwork({ latency: 5, seed: 3 });
    const server = net.addHost({ peerCount: 1, channelLimit: 1, maximumWaitingData: WAITING_LIMIT });
    const client = net.addHost({ peerCount: 1, channelLimit: 1 });
    const { clientPeer } = net.connectPair(client, server, 1);
    // The first packet's first datagram is lost: a gap the receiver fills only from a retransmission.
    let firstLost = false;
    net.drop = (data, from) => {
      if (from !== client || firstLost || !carriesFirstReliablePacket(data)) return false;
      firstLost = true;
      return true;
    };
    const packet = (n: number): Uint8Array => new Uint8Array(SIZE).fill(n);
    const received: number[] = [];
    const take = (): void => {
      for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) if (e.type === EventType.RECEIVE) received.push(e.packet![0]!);
      while (client.core.pollEvent() !== null);
    };
    // The first packet 10 ms before the others, so it times out on a check of its own.
    client.core.send(clientPeer, 0, packet(0), PacketFlags.RELIABLE);
    net.runUntil(net.now + 10, take);
    for (let n = 1; n < PACKETS; n++) client.core.send(clientPeer, 0, packet(n), PacketFlags.RELIABLE);
    net.runUntil(net.now + 8, take);
    assert.ok(firstLost, "the first packet's datagram was lost");
    assert.ok(server.core.drops.limits > 0, "the receiver refused packets past its waiting-data limit");
    // The sender's throttle collapses (as a stalled process's spiking round trips make it): the
    // window is one MTU from now on, and stays so.
    clientPeer.packetThrottle = 0;
    clientPeer.packetThrottleLimit = 0;
    clientPeer.packetThrottleAcceleration = 0;

    net.runUntil(net.now + 30_000, take);
    assert.equal(clientPeer.state, PeerState.STATE_CONNECTED, "the sender kept the link");
    assert.deepEqual(
      received,
      Array.from({ length: PACKETS }, (_, n) => n),
      "every packet arrived once, in order",
    );
  });
});
