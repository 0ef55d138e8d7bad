// What the packet throttle drops when several unsequenced packets wait in one flush. C ENet
// 1.3.17 (enet_protocol_check_outgoing_commands) steps the throttle counter for the first
// fragment of an unreliable packet and, when it drops it, also drops every command queued right
// behind it with the same reliable and unreliable sequence numbers: meant for the packet's other
// fragments, but every unsequenced command carries 0 and 0, so a run of unsequenced packets goes
// with the first, and the counter moves once for the whole run. A reliable command in between
// ends the run.
//
// The expected figures are C ENet's own, from libenet 1.3.17 doing exactly this on loopback (a C
// server whose peer's packetThrottle was set to 0, then to 32, queueing 4 unsequenced packets,
// one reliable and 2 unsequenced, then enet_host_flush): "throttle 0: counter 0 -> 14,
// unsequenced received 0 of 6, reliable 1"; "throttle 32: counter 14 -> 24, unsequenced
// received 6 of 6, reliable 1".
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import type { HostEvent } from "../../src/enet/host-core.ts";
import { SimNetwork } from "./sim.ts";

describe("packet throttle: a dropped unsequenced packet takes the unsequenced ones queued behind it (C ENet 1.3.17)", () => {
  test("throttle 0 then 32, 4 unsequenced + 1 reliable + 2 unsequenced per flush: C ENet's counter steps and deliveries", () => {
    const net = new SimNetwork({ latency: 5, seed: 1 });
    const server = net.addHost({ peerCount: 2, channelLimit: 4 });
    const client = net.addHost({ peerCount: 1 });
    const { serverPeer } = net.connectPair(client, server, 4);
    const received: HostEvent[] = [];
    const collect = (): void => {
      for (let e = client.core.pollEvent(); e !== null; e = client.core.pollEvent()) if (e.type === EventType.RECEIVE) received.push(e);
      while (server.core.pollEvent());
    };
    net.runUntil(net.now + 100, collect);
    received.length = 0;
    assert.equal(serverPeer.packetThrottleCounter, 0, "no unreliable packet judged yet");

    const round = (throttle: number): { counter: number; unsequenced: number; reliable: number } => {
      serverPeer.packetThrottle = throttle;
      const queue = (bytes: string, flags: number): void => void server.core.send(serverPeer, 1, new TextEncoder().encode(bytes), flags);
      for (let k = 0; k < 4; k++) queue("abcd", PacketFlags.UNSEQUENCED);
      queue("R", PacketFlags.RELIABLE);
      for (let k = 0; k < 2; k++) queue("xy", PacketFlags.UNSEQUENCED);
      server.core.flush(net.now);
      const counter = serverPeer.packetThrottleCounter;
      received.length = 0;
      net.runUntil(net.now + 100, collect);
      return {
        counter,
        unsequenced: received.filter((e) => e.flags === PacketFlags.UNSEQUENCED).length,
        reliable: received.filter((e) => e.flags === PacketFlags.RELIABLE).length,
      };
    };

    // Throttle 0: the first unsequenced packet steps the counter to 7 and is dropped with the 3
    // behind it; the reliable one goes; the next unsequenced one steps it to 14, dropped with its
    // neighbour. A counter stepped per packet would stand at 6 * 7 mod 32 = 10.
    assert.deepEqual(round(0), { counter: 14, unsequenced: 0, reliable: 1 });
    // Throttle 32: all six judged one by one and sent: 14 + 42 = 56 mod 32 = 24.
    assert.deepEqual(round(32), { counter: 24, unsequenced: 6, reliable: 1 });
  });
});
