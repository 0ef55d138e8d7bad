// PacketPeerUDP and UDPServer on the runtime's real sockets (Node, Deno, Bun): 127.0.0.1 round
// trips, the "*" dual-stack bind, connected-socket filtering, wait(), the broadcast switch and
// multicast membership. Waits are for events (wait(), a bounded poll), never fixed sleeps.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { GodotError, NetError, PacketPeerUDP, UDPServer } from "../../src/index.ts";
import { ipv6LoopbackMissing } from "../transport/support/ipv6.ts";

/** Resolve when `peer` has a packet queued; reject after `ms` (a lost datagram on loopback is a failure). */
async function arrival(peer: PacketPeerUDP, ms = 5000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no datagram arrived")), ms)));
  try {
    assert.equal(await Promise.race([peer.wait(), timeout]), GodotError.OK);
  } finally {
    clearTimeout(timer);
  }
}

/** An IPv4 interface other than loopback that is up: broadcasts and multicast leave through it and loop back. */
const hasLanInterface = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.family === "IPv4" && !a.internal));

/**
 * Whether the kernel has an IPv4 route for `address`, from Linux's main routing table
 * (/proc/net/route, addresses and masks as hex words in the host's byte order); where that cannot
 * be read, whether a non-loopback interface is up. An interface alone is not enough: on a machine
 * with one but no default route (a container on an internal network), a broadcast goes nowhere and
 * joining a group fails with ENODEV, whatever our code does.
 */
function routeFor(address: string): boolean {
  let table: string;
  try {
    table = readFileSync("/proc/net/route", "utf8");
  } catch {
    return hasLanInterface;
  }
  const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  const word = new DataView(Uint8Array.from(address.split(".").map(Number)).buffer).getUint32(0, littleEndianHost);
  return table
    .split("\n")
    .slice(1)
    .some((line) => {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) return false;
      const destination = parseInt(f[1]!, 16);
      const mask = parseInt(f[7]!, 16);
      return ((word & mask) >>> 0) === destination;
    });
}

describe("PacketPeerUDP / UDPServer on real sockets", () => {
  test("UDPServer on 127.0.0.1 with a connected PacketPeerUDP: both ways, getVar/putVar, stop closes taken peers", async () => {
    const server = new UDPServer();
    await server.listen(0, "127.0.0.1");
    const client = new PacketPeerUDP();
    try {
      await client.connectToHost("127.0.0.1", server.getLocalPort());
      assert.equal(client.putVar({ n: 1 }), GodotError.OK);
      for (let i = 0; i < 500 && !server.isConnectionAvailable(); i++) await new Promise((r) => setTimeout(r, 10));
      const peer = server.takeConnection()!;
      assert.ok(peer, "the datagram made a pending connection");
      assert.deepEqual(peer.getVar(), { n: 1 });
      assert.equal(peer.getPacketPort(), client.getLocalPort());
      assert.equal(peer.putPacket(new Uint8Array([5, 6])), GodotError.OK);
      await arrival(client);
      assert.deepEqual(client.getPacket(), new Uint8Array([5, 6]));
      assert.equal(client.getPacketPort(), server.getLocalPort());
      server.stop();
      assert.equal(peer.isBound(), false);
      assert.equal(server.isListening(), false);
    } finally {
      client.close();
      server.stop();
    }
  });

  test('bind("*") is dual-stack: an IPv4 sender is reported as IPv4; a connected socket ignores other senders', async () => {
    const any = new PacketPeerUDP();
    const a = new PacketPeerUDP();
    const b = new PacketPeerUDP();
    try {
      await any.bind(0);
      await a.bind(0, "127.0.0.1");
      await b.bind(0, "127.0.0.1");
      await a.setDestAddress("127.0.0.1", any.getLocalPort());
      a.putPacket(new Uint8Array([1]));
      await arrival(any);
      any.getPacket();
      assert.equal(any.getPacketIp(), "127.0.0.1");
      assert.equal(any.getPacketPort(), a.getLocalPort());
      await any.connectToHost("127.0.0.1", b.getLocalPort());
      await b.setDestAddress("127.0.0.1", any.getLocalPort());
      a.putPacket(new Uint8Array([2]));
      b.putPacket(new Uint8Array([3]));
      await arrival(any);
      assert.deepEqual(any.getPacket(), new Uint8Array([3]));
      // a's datagram arrives too (loopback loses nothing), in whichever order the runtime sent them, and is filtered.
      for (let i = 0; i < 500 && any.drops.foreignSender === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(any.drops.foreignSender, 1);
      assert.equal(any.getAvailablePacketCount(), 0);
    } finally {
      any.close();
      a.close();
      b.close();
    }
  });

  test("IPv6 senders are reported in Godot's IPAddress text (as IP.getLocalAddresses() lists them), which connectToHost and setDestAddress take back", { skip: ipv6LoopbackMissing() ?? false }, async () => {
    const any = new PacketPeerUDP();
    const v6 = new PacketPeerUDP();
    try {
      await any.bind(0);
      await v6.bind(0, "::1");
      await v6.setDestAddress("::1", any.getLocalPort());
      v6.putPacket(new Uint8Array([1]));
      await arrival(any);
      any.getPacket();
      assert.equal(any.getPacketIp(), "0:0:0:0:0:0:0:1");
      // Connected to that text, the socket still hears the sender (the runtime reports it as "::1").
      await any.connectToHost(any.getPacketIp(), any.getPacketPort());
      v6.putPacket(new Uint8Array([2]));
      await arrival(any);
      assert.deepEqual(any.getPacket(), new Uint8Array([2]));
      assert.equal(any.drops.foreignSender, 0);
      any.putPacket(new Uint8Array([3]));
      await arrival(v6);
      assert.deepEqual(v6.getPacket(), new Uint8Array([3]));
    } finally {
      any.close();
      v6.close();
    }
  });

  test("a peer that never bound opens a socket on its first putPacket and hears the reply", async () => {
    const server = new PacketPeerUDP();
    const client = new PacketPeerUDP();
    try {
      await server.bind(0, "127.0.0.1");
      await client.setDestAddress("127.0.0.1", server.getLocalPort());
      assert.equal(client.isBound(), false);
      assert.equal(client.putPacket(new Uint8Array([7])), GodotError.OK);
      await arrival(server);
      server.getPacket();
      await server.setDestAddress(server.getPacketIp(), server.getPacketPort());
      server.putPacket(new Uint8Array([8]));
      await arrival(client);
      assert.deepEqual(client.getPacket(), new Uint8Array([8]));
      assert.ok(client.isBound());
    } finally {
      server.close();
      client.close();
    }
  });

  test("broadcast to 255.255.255.255 fails until setBroadcastEnabled(true), then reaches a socket bound to 0.0.0.0", { skip: routeFor("255.255.255.255") ? false : "no IPv4 route to broadcast on (no default route)" }, async () => {
    const receiver = new PacketPeerUDP();
    const sender = new PacketPeerUDP();
    try {
      await receiver.bind(0, "0.0.0.0");
      await sender.bind(0, "0.0.0.0");
      await sender.setDestAddress("255.255.255.255", receiver.getLocalPort());
      assert.equal(sender.putPacket(new Uint8Array([1])), GodotError.FAILED);
      sender.setBroadcastEnabled(true);
      assert.equal(sender.putPacket(new Uint8Array([2])), GodotError.OK);
      await arrival(receiver);
      assert.deepEqual(receiver.getPacket(), new Uint8Array([2]));
    } finally {
      receiver.close();
      sender.close();
    }
  });

  test("multicast: a member of 239.255.77.77 receives the group's datagrams; leave and a second leave", { skip: routeFor("239.255.77.77") ? false : "no IPv4 route for the multicast group (no default route)" }, async () => {
    const receiver = new PacketPeerUDP();
    const sender = new PacketPeerUDP();
    try {
      await receiver.bind(0, "0.0.0.0");
      await receiver.joinMulticastGroup("239.255.77.77", "");
      await sender.bind(0, "0.0.0.0");
      await sender.setDestAddress("239.255.77.77", receiver.getLocalPort());
      sender.putPacket(new Uint8Array([9]));
      await arrival(receiver);
      assert.deepEqual(receiver.getPacket(), new Uint8Array([9]));
      await receiver.leaveMulticastGroup("239.255.77.77", "");
      await assert.rejects(receiver.joinMulticastGroup("239.255.77.77", "no-such-interface0"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    } finally {
      receiver.close();
      sender.close();
    }
  });
});
