// PacketPeerDTLS and DTLSServer on the simulated network, used as Godot's DTLSServer example
// uses them (UDPServer + DTLSServer.takeConnection, poll-driven peers): the cookie exchange
// (about half of all takes end in STATUS_ERROR), packets both ways, close_notify, hostname
// checks, loss, and the server's handshake bound.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DTLSServer, GodotError, NetError, PacketPeerDTLS, PacketPeerUDP, TLSOptions, UDPServer } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { testCredentials } from "./fuzz-engine.ts";


/** The server side of Godot's example: take UDP connections, hand them to DTLSServer, poll the handshaking ones. */
class ExampleServer {
  readonly udp: UDPServer;
  readonly dtls = new DTLSServer();
  readonly peers: PacketPeerDTLS[] = [];
  failedTakes = 0;

  constructor(runtime: ReturnType<MemoryNetwork["createRuntime"]>) {
    this.udp = new UDPServer({ runtime });
  }

  tick(): void {
    this.udp.poll();
    while (this.udp.isConnectionAvailable()) {
      const peer = this.dtls.takeConnection(this.udp.takeConnection()!);
      if (peer.getStatus() !== PacketPeerDTLS.STATUS_HANDSHAKING) {
        this.failedTakes++;
        continue;
      }
      this.peers.push(peer);
    }
    for (const p of this.peers) p.poll();
  }
}

async function run(net: MemoryNetwork, tick: () => void, done: () => boolean, maxMs: number): Promise<boolean> {
  for (let t = 0; t < maxMs; t += 10) {
    tick();
    if (done()) return true;
    await net.runFor(10);
  }
  return false;
}

async function connectedPair(net: MemoryNetwork, clientOptions: TLSOptions, hostname = "localhost") {
  const { key, cert } = testCredentials();
  const server = new ExampleServer(net.createRuntime("10.0.0.2"));
  await server.udp.listen(4433);
  assert.equal(server.dtls.setup(TLSOptions.server(key, cert)), GodotError.OK);
  // Godot 4.6 (checked live in its web build): a second setup is ERR_ALREADY_IN_USE.
  assert.equal(server.dtls.setup(TLSOptions.server(key, cert)), GodotError.ERR_ALREADY_IN_USE);
  const udp = new PacketPeerUDP({ runtime: net.createRuntime("10.0.0.1") });
  await udp.connectToHost("10.0.0.2", 4433);
  const client = new PacketPeerDTLS();
  assert.equal(client.connectToPeer(udp, hostname, clientOptions), GodotError.OK);
  assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_HANDSHAKING);
  const tick = () => {
    server.tick();
    client.poll();
  };
  return { server, udp, client, tick };
}

describe("PacketPeerDTLS / DTLSServer on the simulated network", () => {
  test("Godot's example flow: one cookie exchange (a failed take), then a verified session, packets and Variants both ways, close_notify", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 20 } });
    const { cert } = testCredentials();
    const { server, udp, client, tick } = await connectedPair(net, TLSOptions.client(cert));
    assert.ok(await run(net, tick, () => client.getStatus() === PacketPeerDTLS.STATUS_CONNECTED && server.peers[0]?.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000));
    assert.equal(server.failedTakes, 1, "the cookie-less ClientHello's take ends in STATUS_ERROR, as in Godot");
    assert.equal(server.dtls.counters.helloVerifyRequestsSent, 1);
    const serverPeer = server.peers[0]!;
    assert.equal(client.putPacket(new TextEncoder().encode("The answer is... 42!")), GodotError.OK);
    assert.equal(client.putVar([1, "two"]), GodotError.OK);
    assert.ok(await run(net, tick, () => serverPeer.getAvailablePacketCount() === 2, 1000));
    assert.equal(new TextDecoder().decode(serverPeer.getPacket()), "The answer is... 42!");
    assert.deepEqual(serverPeer.getVar(), [1, "two"]);
    assert.equal(serverPeer.putPacket(new Uint8Array([7, 7])), GodotError.OK);
    assert.equal(serverPeer.putPacket(new Uint8Array(0)), GodotError.OK);
    assert.ok(await run(net, tick, () => client.getAvailablePacketCount() === 1, 1000));
    assert.deepEqual(client.getPacket(), new Uint8Array([7, 7]));
    assert.equal(client.getPacket().length, 0);
    // Godot 4.6: connected with nothing to read is OK, not ERR_UNAVAILABLE.
    assert.equal(client.getPacketError(), GodotError.OK);
    assert.equal(serverPeer.putPacket(new Uint8Array(16385)), GodotError.ERR_INVALID_PARAMETER);
    // Hostile bytes from the client's address: a forged application-data record (dropped and counted) and plain junk; the session stays up.
    const forged = new Uint8Array(40);
    forged.set([23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 99, 0, 27]);
    udp.putPacket(forged);
    udp.putPacket(new Uint8Array([1, 2, 3]));
    await run(net, tick, () => false, 100);
    assert.equal(serverPeer.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
    const drops = serverPeer.getDropCounters();
    assert.equal(drops.badRecordMac, 1, JSON.stringify(drops));
    assert.equal(serverPeer.getAvailablePacketCount(), 0);
    client.disconnectFromPeer();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_DISCONNECTED);
    assert.equal(client.putPacket(new Uint8Array([1])), GodotError.ERR_UNCONFIGURED);
    assert.ok(await run(net, tick, () => serverPeer.getStatus() === PacketPeerDTLS.STATUS_DISCONNECTED, 1000));
    server.udp.stop();
    net.close();
  });

  test("packets that arrive with the peer's close_notify are delivered before the status changes, as in Godot (its poll reads nothing past a packet not yet taken)", async () => {
    const net = new MemoryNetwork({ seed: 6, defaultLink: { latencyMs: 20 } });
    const { cert } = testCredentials();
    const { server, client, tick } = await connectedPair(net, TLSOptions.client(cert));
    assert.ok(await run(net, tick, () => client.getStatus() === PacketPeerDTLS.STATUS_CONNECTED && server.peers[0]?.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000));
    const serverPeer = server.peers[0]!;
    // The last words, then close_notify: all of it reaches the client before its next poll.
    for (const text of ["one", "two", "bye"]) assert.equal(serverPeer.putPacket(new TextEncoder().encode(text)), GodotError.OK);
    serverPeer.disconnectFromPeer();
    await net.runFor(200);
    client.poll();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_CONNECTED, "still connected while the packets before close_notify wait");
    assert.equal(client.getAvailablePacketCount(), 3);
    assert.equal(new TextDecoder().decode(client.getPacket()), "one");
    // Sent into the window: the peer has gone, and Godot's write succeeds there too.
    assert.equal(client.putPacket(new Uint8Array([1])), GodotError.OK);
    client.poll();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
    assert.deepEqual([client.getPacket(), client.getPacket()].map((b) => new TextDecoder().decode(b)), ["two", "bye"]);
    assert.equal(client.getAvailablePacketCount(), 0);
    client.poll();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_DISCONNECTED, "the poll after the last packet is taken ends it");
    assert.equal(client.getErrorMessage(), "the peer closed the DTLS session");
    assert.equal(client.getPacket().length, 0);
    assert.equal(client.getPacketError(), GodotError.ERR_UNCONFIGURED);
    server.udp.stop();
    net.close();
  });

  test("a server that sends a packet and closes as soon as it is connected: the client, which gets its Finished, the packet and close_notify in one poll, is CONNECTED with the packet, then DISCONNECTED", async () => {
    const net = new MemoryNetwork({ seed: 7, defaultLink: { latencyMs: 20 } });
    const { cert } = testCredentials();
    const { server, client, tick } = await connectedPair(net, TLSOptions.client(cert));
    assert.ok(await run(net, tick, () => server.peers[0]?.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000));
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_HANDSHAKING, "the server's Finished is still on its way");
    const serverPeer = server.peers[0]!;
    assert.equal(serverPeer.putPacket(new TextEncoder().encode("welcome, and goodbye")), GodotError.OK);
    serverPeer.disconnectFromPeer();
    await net.runFor(200);
    client.poll();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
    assert.equal(client.getAvailablePacketCount(), 1);
    assert.equal(new TextDecoder().decode(client.getPacket()), "welcome, and goodbye");
    client.poll();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_DISCONNECTED);
    server.udp.stop();
    net.close();
  });

  test("20 % loss with duplicates and reordering: the handshake retransmits and completes", async () => {
    const net = new MemoryNetwork({ seed: 11, defaultLink: { latencyMs: 30, loss: 0.2, duplicate: 0.05, reorder: 0.1 } });
    const { server, client, tick } = await connectedPair(net, TLSOptions.clientUnsafe());
    assert.ok(await run(net, tick, () => client.getStatus() === PacketPeerDTLS.STATUS_CONNECTED && server.peers.some((p) => p.getStatus() === PacketPeerDTLS.STATUS_CONNECTED), 25000));
    server.udp.stop();
    net.close();
  });

  test("a certificate that does not name the host ends in STATUS_ERROR_HOSTNAME_MISMATCH", async () => {
    const net = new MemoryNetwork({ seed: 2 });
    const { cert } = testCredentials();
    const { client, tick } = await connectedPair(net, TLSOptions.client(cert), "example.org");
    assert.ok(await run(net, tick, () => client.getStatus() !== PacketPeerDTLS.STATUS_HANDSHAKING, 5000));
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_ERROR_HOSTNAME_MISMATCH);
    assert.match(client.getErrorMessage(), /example\.org/);
    // As Godot 4.6's disconnect_from_peer: an error status is not replaced by STATUS_DISCONNECTED.
    client.disconnectFromPeer();
    assert.equal(client.getStatus(), PacketPeerDTLS.STATUS_ERROR_HOSTNAME_MISMATCH);
    assert.match(client.getErrorMessage(), /example\.org/);
    net.close();
  });

  test("argument and state errors: unconnected UDP peer, reuse, takeConnection before setup, non-server options", async () => {
    const net = new MemoryNetwork({ seed: 1 });
    const runtime = net.createRuntime("10.0.0.1");
    const loose = new PacketPeerUDP({ runtime });
    const dtls = new PacketPeerDTLS();
    assert.equal(dtls.connectToPeer(loose, "localhost"), GodotError.ERR_INVALID_PARAMETER);
    assert.throws(() => dtls.connectToPeer({} as PacketPeerUDP, "localhost"), TypeError);
    assert.throws(() => dtls.connectToPeer(loose, "localhost", TLSOptions.server(testCredentials().key, testCredentials().cert)), TypeError);
    await loose.connectToHost("10.0.0.2", 1);
    assert.equal(dtls.connectToPeer(loose, "localhost", TLSOptions.clientUnsafe()), GodotError.OK);
    assert.equal(dtls.connectToPeer(loose, "localhost", TLSOptions.clientUnsafe()), GodotError.ERR_ALREADY_IN_USE);
    const server = new DTLSServer();
    assert.throws(() => server.takeConnection(loose), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    assert.throws(() => server.setup(TLSOptions.clientUnsafe()), TypeError);
    assert.throws(() => server.setup(TLSOptions.server(testCredentials().key, testCredentials().cert), { maxHandshaking: 0 }), RangeError);
    assert.throws(() => server.setup(TLSOptions.server(testCredentials().key, testCredentials().cert), { maxHandshake: 2 } as object), /unknown field "maxHandshake"/);
    assert.equal(server.takeConnection.length, 1);
    net.close();
  });

  test("a second handshake from one address within the per-address rate waits for the client's retransmission, then completes", async () => {
    const net = new MemoryNetwork({ seed: 4, defaultLink: { latencyMs: 5 } });
    const { key, cert } = testCredentials();
    const server = new ExampleServer(net.createRuntime("10.0.0.2"));
    await server.udp.listen(4433);
    server.dtls.setup(TLSOptions.server(key, cert), { handshakesPerSecondPerAddress: 1 });
    const host = net.createRuntime("10.0.1.1");
    const clients: PacketPeerDTLS[] = [];
    for (let i = 0; i < 2; i++) {
      const udp = new PacketPeerUDP({ runtime: host });
      await udp.connectToHost("10.0.0.2", 4433);
      const dtls = new PacketPeerDTLS();
      dtls.connectToPeer(udp, "localhost", TLSOptions.clientUnsafe());
      clients.push(dtls);
    }
    const tick = () => {
      server.tick();
      for (const c of clients) c.poll();
    };
    const start = net.clock.now();
    assert.ok(await run(net, tick, () => clients.every((c) => c.getStatus() === PacketPeerDTLS.STATUS_CONNECTED), 10000));
    assert.ok(server.dtls.counters.handshakesRateLimited >= 1);
    assert.ok(net.clock.now() - start >= 1000, "the second handshake started a second later");
    server.udp.stop();
    net.close();
  });

  test("handshakes beyond maxHandshaking evict the unfinished one heard from least recently; a first datagram that is no ClientHello fails the take", async () => {
    const net = new MemoryNetwork({ seed: 9, defaultLink: { latencyMs: 5 } });
    const { key, cert } = testCredentials();
    const server = new ExampleServer(net.createRuntime("10.0.0.2"));
    await server.udp.listen(4433);
    server.dtls.setup(TLSOptions.server(key, cert), { maxHandshaking: 2 });
    // Clients that pass the cookie exchange and then stall: their DTLS peers are never polled again.
    const clients: { udp: PacketPeerUDP; dtls: PacketPeerDTLS }[] = [];
    for (let i = 0; i < 3; i++) {
      const udp = new PacketPeerUDP({ runtime: net.createRuntime(`10.0.1.${i + 1}`) });
      await udp.connectToHost("10.0.0.2", 4433);
      const dtls = new PacketPeerDTLS();
      dtls.connectToPeer(udp, "localhost", TLSOptions.clientUnsafe());
      clients.push({ udp, dtls });
      // Poll this client until its cookie'd ClientHello has started a session on the server, then abandon it.
      const before = server.peers.length;
      assert.ok(await run(net, () => { server.tick(); dtls.poll(); }, () => server.peers.length > before, 3000));
    }
    assert.equal(server.dtls.counters.handshakesEvicted, 1);
    assert.equal(server.peers[0]!.getStatus(), PacketPeerDTLS.STATUS_ERROR);
    assert.match(server.peers[0]!.getErrorMessage(), /evicted/);
    // A datagram that is not a ClientHello from a new address: nothing is kept for it.
    const junk = new PacketPeerUDP({ runtime: net.createRuntime("10.0.2.1") });
    await junk.connectToHost("10.0.0.2", 4433);
    junk.putPacket(new Uint8Array([1, 2, 3]));
    await net.runFor(50);
    const failedBefore = server.failedTakes;
    server.tick();
    assert.equal(server.dtls.counters.gateDropped, 1);
    assert.equal(server.failedTakes, failedBefore + 1);
    // Its UDP peer was closed, so the address comes back as a new connection.
    junk.putPacket(new Uint8Array([4]));
    await net.runFor(50);
    assert.ok(server.udp.isConnectionAvailable());
    server.udp.stop();
    net.close();
  });
});
