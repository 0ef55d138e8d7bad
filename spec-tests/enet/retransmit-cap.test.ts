// The retransmission wait of a reliable command is capped (RETRANSMIT_DELAY_MAXIMUM, ours): with
// timeouts raised by setTimeout a lossy stretch no longer stalls a channel for hours, while the
// peer-timeout rule (doubled timeout against timeoutLimit, timeoutMinimum/Maximum) stays C ENet's.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import { RETRANSMIT_DELAY_MAXIMUM } from "../../src/enet/constants.ts";
import { SimNetwork } from "./sim.ts";

function connectedPair() {
  const net = new SimNetwork({ latency: 20, seed: 5 });
  const server = net.addHost({ peerCount: 2 });
  const client = net.addHost({ peerCount: 1 });
  const peer = client.core.connect(server.address, server.port, 2, 0)!;
  net.runUntil(1000);
  const events: EventType[] = [];
  for (let e = client.core.pollEvent(); e; e = client.core.pollEvent()) events.push(e.type);
  assert.ok(events.includes(EventType.CONNECT));
  return { net, client, peer };
}

describe("ENet retransmission wait cap", () => {
  test("with raised timeouts, a reliable packet over a dead link is retried at least every RETRANSMIT_DELAY_MAXIMUM", () => {
    const { net, client, peer } = connectedPair();
    client.core.setTimeout(client.core.slotOf(peer), 1 << 30, 3_600_000, 3_600_000);
    const sends: number[] = [];
    net.tap = (data, from) => {
      if (from === client && data.length > 100) sends.push(net.now); // the datagrams carrying the 100-byte packet
    };
    net.cut = true;
    client.core.send(client.core.slotOf(peer), 0, new Uint8Array(100).fill(7), PacketFlags.RELIABLE);
    net.runUntil(net.now + 120_000);
    const gaps = sends.slice(1).map((t, i) => t - sends[i]!);
    assert.ok(sends.length >= 20, `${sends.length} sends in 120 s (uncapped doubling would make about 11)`);
    assert.ok(Math.max(...gaps) <= RETRANSMIT_DELAY_MAXIMUM + 1, `longest gap ${Math.max(...gaps)} ms`);
    assert.ok(gaps.slice(0, 4).every((g, i) => i === 0 || g >= gaps[i - 1]!), "it still backs off exponentially first");
  });

  test("default timeouts: the peer over a dead link still times out as in C ENet (within timeoutMaximum)", () => {
    const { net, client, peer } = connectedPair();
    net.cut = true;
    client.core.send(client.core.slotOf(peer), 0, new Uint8Array(10), PacketFlags.RELIABLE);
    const start = net.now;
    let disconnectedAt = -1;
    net.runUntil(start + 40_000, () => {
      for (let e = client.core.pollEvent(); e; e = client.core.pollEvent()) if (e.type === EventType.DISCONNECT && disconnectedAt < 0) disconnectedAt = net.now;
    });
    assert.ok(disconnectedAt > start + 5_000, "not before timeoutMinimum");
    assert.ok(disconnectedAt <= start + 30_000 + RETRANSMIT_DELAY_MAXIMUM, `timed out at +${disconnectedAt - start} ms`);
  });
});
