// PacketPeerUDP and UDPServer on the simulated network: Godot's receive-buffer accounting,
// connected-socket filtering, the broadcast rule, sockets opened on demand, UDPServer's routing
// by sender and its pending-connection bound, all in virtual time.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError, PacketPeerUDP, UDPServer, PACKET_RECORD_OVERHEAD } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";

function world() {
  const net = new MemoryNetwork({ seed: 3 });
  net.setLink("10.0.0.1", "10.0.0.2", { latencyMs: 10 });
  return { net, a: net.createRuntime("10.0.0.1"), b: net.createRuntime("10.0.0.2"), c: net.createRuntime("10.0.0.3") };
}

const bytes = (...v: number[]) => new Uint8Array(v);

describe("PacketPeerUDP on the simulated network", () => {
  test("bound peers exchange packets and Variants; the sender of each is reported", async () => {
    const { net, a, b } = world();
    const server = new PacketPeerUDP({ runtime: b });
    await server.bind(4242);
    assert.ok(server.isBound());
    assert.equal(server.getLocalPort(), 4242);
    const client = new PacketPeerUDP({ runtime: a });
    await client.setDestAddress("10.0.0.2", 4242);
    assert.equal(client.putPacket(bytes(1, 2, 3)), GodotError.OK);
    assert.equal(client.putVar({ hello: "world" }), GodotError.OK);
    assert.equal(await server.wait(), GodotError.OK);
    await net.runUntil(() => server.getAvailablePacketCount() === 2, 1000);
    assert.deepEqual(server.getPacket(), bytes(1, 2, 3));
    assert.equal(server.getPacketIp(), "10.0.0.1");
    assert.equal(server.getPacketPort(), client.getLocalPort());
    assert.deepEqual(server.getVar(), { hello: "world" });
    assert.equal(server.getPacket().length, 0);
    assert.equal(server.getPacketError(), GodotError.ERR_UNAVAILABLE);
    // Reply to the last sender, as Godot scripts do.
    await server.setDestAddress(server.getPacketIp(), server.getPacketPort());
    assert.equal(server.putPacket(bytes(9)), GodotError.OK);
    await net.runUntil(() => client.getAvailablePacketCount() === 1, 1000);
    assert.deepEqual(client.getPacket(), bytes(9));
    client.close();
    server.close();
    assert.equal(server.isBound(), false);
    assert.equal(await server.wait(), GodotError.ERR_UNCONFIGURED);
    net.close();
  });

  test("the receive buffer counts each packet plus 24 bytes against 2^(bit length of recvBufSize) - 1, as Godot's ring buffer", async () => {
    const { net, a, b } = world();
    const server = new PacketPeerUDP({ runtime: b });
    await server.bind(5000, "*", 1000); // 1024 - 1 bytes of buffer
    const client = new PacketPeerUDP({ runtime: a });
    await client.setDestAddress("10.0.0.2", 5000);
    const size = 200;
    const fits = Math.floor(1023 / (size + PACKET_RECORD_OVERHEAD));
    for (let i = 0; i < fits + 3; i++) client.putPacket(new Uint8Array(size).fill(i));
    await net.runFor(100);
    assert.equal(server.getAvailablePacketCount(), fits);
    assert.equal(server.drops.receiveBufferFull, 3);
    // Taking a packet frees its room.
    server.getPacket();
    client.putPacket(new Uint8Array(size));
    await net.runFor(100);
    assert.equal(server.getAvailablePacketCount(), fits);
    net.close();
  });

  test("a socket bind() did not size (opened on demand) holds 2^16 - 1 bytes, as Godot's constructor leaves its ring buffer", async () => {
    const { net, a, b } = world();
    const server = new PacketPeerUDP({ runtime: b });
    await server.bind(5001);
    const client = new PacketPeerUDP({ runtime: a });
    await client.setDestAddress("10.0.0.2", 5001);
    assert.equal(client.putPacket(bytes(0)), GodotError.OK); // opens the socket on demand
    await net.runUntil(() => server.getAvailablePacketCount() === 1, 1000);
    server.getPacket();
    await server.setDestAddress(server.getPacketIp(), server.getPacketPort());
    const size = 1000;
    const fits = Math.floor((2 ** 16 - 1) / (size + PACKET_RECORD_OVERHEAD)); // 63; bind's default would hold 127
    for (let i = 0; i < fits + 5; i++) server.putPacket(new Uint8Array(size));
    await net.runFor(100);
    assert.equal(client.getAvailablePacketCount(), fits);
    assert.equal(client.drops.receiveBufferFull, 5);
    net.close();
  });

  test("empty packets send nothing and are OK, as Godot's put_packet binding; getPacket on a closed socket is FAILED", async () => {
    const { net, a, b } = world();
    const server = new PacketPeerUDP({ runtime: b });
    await server.bind(5002);
    const client = new PacketPeerUDP({ runtime: a });
    assert.equal(client.putPacket(new Uint8Array(0)), GodotError.OK); // no destination, no socket: still OK
    assert.equal(client.isBound(), false);
    await client.setDestAddress("10.0.0.2", 5002);
    assert.equal(client.putPacket(new Uint8Array(0)), GodotError.OK);
    assert.equal(client.putPacket(bytes(5)), GodotError.OK);
    await net.runFor(100);
    assert.equal(server.getAvailablePacketCount(), 1);
    assert.deepEqual(server.getPacket(), bytes(5));
    assert.equal(server.getPacket().length, 0);
    assert.equal(server.getPacketError(), GodotError.ERR_UNAVAILABLE);
    server.close();
    assert.equal(server.getPacket().length, 0);
    assert.equal(server.getPacketError(), GodotError.FAILED);
    assert.equal(new PacketPeerUDP({ runtime: a }).getPacket().length, 0);
    net.close();
  });

  test("a connected socket accepts its peer's packets only, and connecting clears the queue", async () => {
    const { net, a, b, c } = world();
    const listener = new PacketPeerUDP({ runtime: b });
    await listener.bind(6000);
    const stranger = new PacketPeerUDP({ runtime: c });
    await stranger.setDestAddress("10.0.0.2", 6000);
    stranger.putPacket(bytes(0));
    await net.runFor(50);
    assert.equal(listener.getAvailablePacketCount(), 1);
    const peer = new PacketPeerUDP({ runtime: a });
    await peer.bind(6001);
    await listener.connectToHost("10.0.0.1", 6001);
    assert.ok(listener.isSocketConnected());
    assert.equal(listener.getAvailablePacketCount(), 0);
    await peer.connectToHost("10.0.0.2", 6000);
    peer.putPacket(bytes(1));
    stranger.putPacket(bytes(2));
    await net.runFor(50);
    assert.equal(listener.getAvailablePacketCount(), 1);
    assert.deepEqual(listener.getPacket(), bytes(1));
    assert.equal(listener.drops.foreignSender, 1);
    await assert.rejects(listener.setDestAddress("10.0.0.3", 1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_LOCKED);
    net.close();
  });

  test("putPacket opens the socket on demand and sends once it is open; without a destination it is ERR_UNCONFIGURED", async () => {
    const { net, a, b } = world();
    const server = new PacketPeerUDP({ runtime: b });
    await server.bind(7000);
    const client = new PacketPeerUDP({ runtime: a });
    assert.equal(client.putPacket(bytes(1)), GodotError.ERR_UNCONFIGURED);
    void client.setDestAddress("10.0.0.2", 7000); // an IP literal applies at once
    assert.equal(client.putPacket(bytes(1)), GodotError.OK);
    assert.equal(client.putPacket(bytes(2)), GodotError.OK);
    await net.runUntil(() => server.getAvailablePacketCount() === 2, 1000);
    assert.ok(client.isBound());
    assert.notEqual(client.getLocalPort(), 0);
    assert.deepEqual([server.getPacket(), server.getPacket()], [bytes(1), bytes(2)]);
    net.close();
  });

  test("255.255.255.255 needs setBroadcastEnabled(true), as the OS demands of Godot", async () => {
    const { net, a } = world();
    const p = new PacketPeerUDP({ runtime: a });
    await p.bind(0);
    await p.setDestAddress("255.255.255.255", 4000);
    assert.equal(p.putPacket(bytes(1)), GodotError.FAILED);
    p.setBroadcastEnabled(true);
    assert.equal(p.putPacket(bytes(1)), GodotError.OK);
    net.close();
  });

  test("wrong arguments throw; a second bind rejects ERR_ALREADY_IN_USE; multicast is unavailable on the memory network", async () => {
    const { net, a } = world();
    const p = new PacketPeerUDP({ runtime: a });
    await assert.rejects(p.bind(70000), RangeError);
    await assert.rejects(p.bind(1, "*", 0), RangeError);
    await assert.rejects(p.connectToHost("10.0.0.2", 0), RangeError);
    assert.throws(() => p.putPacket([1, 2] as unknown as Uint8Array), TypeError);
    assert.throws(() => p.setBroadcastEnabled(1 as unknown as boolean), TypeError);
    await p.bind(0);
    await assert.rejects(p.bind(0), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    // A port another socket holds: Godot's NetSocket answers every refused bind() with ERR_UNAVAILABLE.
    await assert.rejects(new PacketPeerUDP({ runtime: a }).bind(p.getLocalPort()), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    await assert.rejects(new UDPServer({ runtime: a }).listen(p.getLocalPort()), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    await assert.rejects(p.joinMulticastGroup("239.1.2.3", ""), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    await assert.rejects(p.joinMulticastGroup("not-an-ip", ""), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    net.close();
  });
});

describe("UDPServer on the simulated network", () => {
  test("a new sender becomes a pending connection; taken peers get their own packets and reply through the server's socket", async () => {
    const { net, a, b, c } = world();
    const server = new UDPServer({ runtime: b });
    assert.equal(server.poll(), GodotError.ERR_UNCONFIGURED);
    await server.listen(4242);
    assert.ok(server.isListening());
    assert.equal(server.getLocalPort(), 4242);
    assert.equal(server.maxPendingConnections, 16);
    const c1 = new PacketPeerUDP({ runtime: a });
    const c2 = new PacketPeerUDP({ runtime: c });
    await c1.connectToHost("10.0.0.2", 4242);
    await c2.connectToHost("10.0.0.2", 4242);
    c1.putPacket(bytes(1));
    c2.putPacket(bytes(2));
    await net.runUntil(() => server.poll() === GodotError.OK && server.isConnectionAvailable(), 1000);
    await net.runFor(50);
    // 10.0.0.3's link has no latency: its packet arrives first.
    const p2 = server.takeConnection()!;
    const p1 = server.takeConnection()!;
    assert.equal(server.takeConnection(), null);
    assert.ok(p1.isSocketConnected());
    assert.equal(p1.getPacketIp(), "10.0.0.1");
    assert.equal(p1.getLocalPort(), 4242);
    assert.deepEqual(p1.getPacket(), bytes(1));
    assert.deepEqual(p2.getPacket(), bytes(2));
    c1.putPacket(bytes(11));
    await net.runFor(50);
    assert.deepEqual(p1.getPacket(), bytes(11));
    assert.equal(p2.getAvailablePacketCount(), 0);
    assert.equal(p1.putPacket(bytes(21)), GodotError.OK);
    await net.runFor(50);
    assert.deepEqual(c1.getPacket(), bytes(21));
    // A server's peer cannot be re-pointed.
    await assert.rejects(p1.connectToHost("10.0.0.3", 1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_LOCKED);
    assert.throws(() => p1.setBroadcastEnabled(true), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_LOCKED);
    // Closing a taken peer frees its address: the next packet is a new connection.
    p1.close();
    c1.putPacket(bytes(12));
    await net.runFor(50);
    assert.ok(server.isConnectionAvailable());
    assert.deepEqual(server.takeConnection()!.getPacket(), bytes(12));
    server.stop();
    assert.equal(p2.isBound(), false);
    assert.equal(server.getLocalPort(), 0);
    net.close();
  });

  test("new senders beyond maxPendingConnections are dropped and counted; 0 refuses all", async () => {
    const { net, b } = world();
    const server = new UDPServer({ runtime: b });
    server.maxPendingConnections = 3;
    await server.listen(5000);
    const senders: PacketPeerUDP[] = [];
    for (let i = 0; i < 5; i++) {
      const s = new PacketPeerUDP({ runtime: net.createRuntime(`10.0.1.${i + 1}`) });
      await s.connectToHost("10.0.0.2", 5000);
      s.putPacket(bytes(i));
      senders.push(s);
    }
    await net.runFor(100);
    assert.equal(server.counters.droppedConnections, 2);
    server.setMaxPendingConnections(1);
    assert.equal(server.getMaxPendingConnections(), 1);
    assert.deepEqual(server.takeConnection()!.getPacket(), bytes(0));
    assert.equal(server.takeConnection(), null);
    server.maxPendingConnections = 0;
    senders[4]!.putPacket(bytes(4));
    await net.runFor(100);
    assert.equal(server.isConnectionAvailable(), false);
    assert.throws(() => (server.maxPendingConnections = -1), RangeError);
    server.stop();
    net.close();
  });
});
