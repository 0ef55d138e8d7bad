/**
 * How many commands one datagram carries (HostCoreOptions.commandsPerDatagram): by default as
 * many as fit the MTU, or C ENet's own 32 when asked. Receivers (ours and C ENet's) read
 * commands until the datagram ends, whatever their number; live-c.test.ts checks C ENet.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { dissectDatagram } from "../../src/enet/dissect.ts";
import { PacketFlags } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { SimNetwork } from "./sim.ts";

function run(commandsPerDatagram: number | undefined) {
  const net = new SimNetwork({ latency: 5, seed: 2 });
  const options = commandsPerDatagram === undefined ? { channelLimit: 2 } : { channelLimit: 2, commandsPerDatagram };
  const server = net.addHost(options, "10.0.0.1", 7000);
  const client = net.addHost(options, "10.0.0.2", 7001);
  const most = { data: 0, acks: 0, bytes: 0 };
  net.tap = (data, from) => {
    const commands = dissectDatagram(data).commands;
    most.bytes = Math.max(most.bytes, data.length);
    if (from === client) most.data = Math.max(most.data, commands.filter((c) => c.command.command === ProtocolCommand.SEND_RELIABLE).length);
    else most.acks = Math.max(most.acks, commands.filter((c) => c.command.command === ProtocolCommand.ACKNOWLEDGE).length);
  };
  const peer = client.core.connect("10.0.0.1", 7000, 2, 0)!;
  let received = 0;
  const drain = (): void => {
    received += server.drainReceives();
    client.drainReceives();
  };
  net.runUntil(200, drain);
  for (let i = 0; i < 500; i++) client.core.send(peer, i % 2, new Uint8Array([i & 0xff, 1, 2]), PacketFlags.RELIABLE);
  net.runUntil(2000, drain);
  return { received, ...most };
}

describe("commands per datagram", () => {
  test("by default a datagram carries as many small packets and acknowledgements as fit the MTU", () => {
    const r = run(undefined);
    assert.equal(r.received, 500);
    assert.ok(r.data > 32, `most small packets in one datagram: ${r.data}`);
    assert.ok(r.acks > 32, `most acknowledgements in one datagram: ${r.acks}`);
    assert.ok(r.bytes <= 1392, `largest datagram ${r.bytes} B`);
  });

  test("commandsPerDatagram: 32 frames datagrams as C ENet does", () => {
    const r = run(32);
    assert.equal(r.received, 500);
    assert.equal(r.data, 32);
    assert.equal(r.acks, 32);
  });

  test("a bad value is refused with a RangeError naming it", () => {
    assert.throws(() => new HostCore({ commandsPerDatagram: -1 }), /commandsPerDatagram/);
    assert.throws(() => new HostCore({ commandsPerDatagram: 1.5 }), /commandsPerDatagram/);
  });
});
