// PacketPeerUDP and UDPServer on the runtime's real sockets (Node, Deno, Bun): 127.0.0.1 round
// trips, the "*" dual-stack bind, connected-socket filtering, wait(), the broadcast switch and
// multicast membership. Waits are for events (wait(), a bounded poll), never fixed sleeps.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
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

  test("broadcast to 255.255.255.255 fails until setBroadcastEnabled(true), then reaches a socket bound to 0.0.0.0", { skip: hasLanInterface ? false : "no non-loopback IPv4 interface to broadcast on" }, async () => {
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

  test("multicast: a member of 239.255.77.77 receives the group's datagrams; leave and a second leave", async (t) => {
    const receiver = new PacketPeerUDP();
    const sender = new PacketPeerUDP();
    try {
      await receiver.bind(0, "0.0.0.0");
      try {
        await receiver.joinMulticastGroup("239.255.77.77", "");
      } catch (err) {
        if (err instanceof NetError && !hasLanInterface) return t.skip(`this machine has no multicast route: ${err.message}`);
        throw err;
      }
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
