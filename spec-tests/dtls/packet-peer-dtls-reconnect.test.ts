// DTLSServer + PacketPeerDTLS (Godot's API) when a client starts over from the address and port
// of a connected session (RFC 6347 4.2.8), on the simulated network: the server loop is Godot's
// documented pattern (take UDP connections, hand them to DTLSServer, poll every peer, drop peers
// that are neither handshaking nor connected). As Godot 4 with mbedTLS: a ClientHello without our
// cookie gets a stateless HelloVerifyRequest and the session stays; with our cookie the old peer
// becomes STATUS_ERROR and lets go of its UDP peer, and the client's retransmitted ClientHello is
// a new connection. A late copy of the hello that began the session changes nothing.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DTLSServer, GodotError, PacketPeerDTLS, PacketPeerUDP, TLSOptions, UDPServer } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { testCredentials } from "./fuzz-engine.ts";

const SERVER = "10.0.0.2";
const SERVER_PORT = 4433;
const CLIENT = "10.0.0.1";
const CLIENT_PORT = 5555;

const statusName = (s: number): string => ["DISCONNECTED", "HANDSHAKING", "CONNECTED", "ERROR", "ERROR_HOSTNAME_MISMATCH"][s] ?? String(s);

/** Godot's DTLSServer pattern, recording each taken peer's statuses in the order they were seen. */
class GodotPatternServer {
  readonly udp: UDPServer;
  readonly dtls = new DTLSServer();
  /** Peers handshaking or connected (the game's list). */
  peers: PacketPeerDTLS[] = [];
  /** Every peer that was ever in the list, with the statuses it went through. */
  readonly history: { peer: PacketPeerDTLS; statuses: string[] }[] = [];
  readonly received: string[] = [];
  failedTakes = 0;

  constructor(runtime: ReturnType<MemoryNetwork["createRuntime"]>) {
    this.udp = new UDPServer({ runtime });
  }

  tick(): void {
    this.udp.poll();
    while (this.udp.isConnectionAvailable()) {
      const peer = this.dtls.takeConnection(this.udp.takeConnection()!);
      if (peer.getStatus() !== PacketPeerDTLS.STATUS_HANDSHAKING) {
        this.failedTakes++; // the cookie exchange: about half of all takes, as in Godot
        continue;
      }
      this.peers.push(peer);
      this.history.push({ peer, statuses: [statusName(peer.getStatus())] });
    }
    for (const p of this.peers) {
      p.poll();
      const seen = this.history.find((h) => h.peer === p)!.statuses;
      const now = statusName(p.getStatus());
      if (seen[seen.length - 1] !== now) seen.push(now);
      if (p.getStatus() !== PacketPeerDTLS.STATUS_CONNECTED) continue;
      while (p.getAvailablePacketCount() > 0) {
        const text = new TextDecoder().decode(p.getPacket());
        this.received.push(text);
        p.putPacket(new TextEncoder().encode(`echo ${text}`));
      }
    }
    this.peers = this.peers.filter((p) => p.getStatus() === PacketPeerDTLS.STATUS_HANDSHAKING || p.getStatus() === PacketPeerDTLS.STATUS_CONNECTED);
  }
}

/** A client on CLIENT:CLIENT_PORT whose sent datagrams are kept (to replay them). */
async function clientFromFixedPort(runtime: ReturnType<MemoryNetwork["createRuntime"]>) {
  const udp = new PacketPeerUDP({ runtime });
  await udp.bind(CLIENT_PORT, CLIENT);
  await udp.connectToHost(SERVER, SERVER_PORT);
  const sent: Uint8Array[] = [];
  const put = udp.putPacket.bind(udp);
  udp.putPacket = (d: Uint8Array) => {
    sent.push(d.slice());
    return put(d);
  };
  const dtls = new PacketPeerDTLS();
  assert.equal(dtls.connectToPeer(udp, "localhost", TLSOptions.clientUnsafe()), GodotError.OK);
  const received: string[] = [];
  const poll = () => {
    dtls.poll();
    while (dtls.getAvailablePacketCount() > 0) received.push(new TextDecoder().decode(dtls.getPacket()));
  };
  return { udp, dtls, sent, received, poll, put };
}

async function setup(seed: number) {
  const net = new MemoryNetwork({ seed, defaultLink: { latencyMs: 20 } });
  const { key, cert } = testCredentials();
  const server = new GodotPatternServer(net.createRuntime(SERVER));
  await server.udp.listen(SERVER_PORT);
  assert.equal(server.dtls.setup(TLSOptions.server(key, cert)), GodotError.OK);
  const clientHost = net.createRuntime(CLIENT);
  return { net, server, clientHost };
}

/** Run the loop every 10 ms of network time until `done` holds or `maxMs` pass. */
async function run(net: MemoryNetwork, tick: () => void, done: () => boolean, maxMs: number): Promise<boolean> {
  for (let t = 0; t < maxMs; t += 10) {
    tick();
    if (done()) return true;
    await net.runFor(10);
  }
  return false;
}

/** One turn of the game's loop: the server's tick, then the client's poll. */
const turnOf = (server: GodotPatternServer, client: { poll(): void }) => (): void => {
  server.tick();
  client.poll();
};

const isClientHello = (d: Uint8Array): boolean => d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 1;

describe("DTLSServer / PacketPeerDTLS: a client starting over from the same address and port", () => {
  test("a client that vanished (no close_notify) and restarted from its port connects again; the old peer goes to STATUS_ERROR and is dropped", async () => {
    const { net, server, clientHost } = await setup(21);
    try {
      const first = await clientFromFixedPort(clientHost);
      const tick1 = turnOf(server, first);
      assert.ok(await run(net, tick1, () => first.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000), "the first client connects");
      first.dtls.putPacket(new TextEncoder().encode("one"));
      assert.ok(await run(net, tick1, () => first.received.includes("echo one"), 2000), "data both ways on the first session");
      const oldPeer = server.history[0]!.peer;
      assert.equal(oldPeer.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
      // It vanishes: the process dies, its socket closes, no close_notify is sent.
      first.udp.close();
      await run(net, () => server.tick(), () => false, 200);
      assert.equal(oldPeer.getStatus(), PacketPeerDTLS.STATUS_CONNECTED, "nothing told the server");

      const second = await clientFromFixedPort(clientHost);
      const tick2 = turnOf(server, second);
      // Before: the old peer answered every new ClientHello with its own last flight, and the client never connected.
      assert.ok(await run(net, tick2, () => second.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 10_000), "the restarted client connects");
      second.dtls.putPacket(new TextEncoder().encode("two"));
      assert.ok(await run(net, tick2, () => second.received.includes("echo two"), 2000), "data both ways on the new session");

      assert.equal(oldPeer.getStatus(), PacketPeerDTLS.STATUS_ERROR);
      assert.match(oldPeer.getErrorMessage(), /new DTLS handshake from the same address and port/);
      assert.deepEqual(
        server.history.map((h) => h.statuses),
        [
          ["HANDSHAKING", "CONNECTED", "ERROR"],
          ["HANDSHAKING", "CONNECTED"],
        ],
      );
      assert.deepEqual(server.peers, [server.history[1]!.peer], "the game dropped the old peer");
      assert.deepEqual(server.received, ["one", "two"]);
      // First client: one cookie exchange at a new UDP connection (a failed take). Second client: its
      // cookie-less hello reached the old peer, which answered statelessly; its cookie hello ended the
      // old peer, and the retransmission of that hello was a new connection with a valid cookie.
      assert.equal(server.failedTakes, 1);
      assert.equal(server.dtls.counters.helloVerifyRequestsSent, 2);
      assert.equal(server.dtls.counters.sessionsReplaced, 1);
      const hellos = second.sent.filter(isClientHello);
      assert.ok(hellos.length >= 3, `a ClientHello, one with the cookie, and its retransmission (${hellos.length})`);
      second.dtls.disconnectFromPeer();
    } finally {
      server.udp.stop();
      net.close();
    }
  });

  test("a client that vanished in the middle of its handshake and restarted from its port connects; the handshaking peer goes to STATUS_ERROR", async () => {
    const { net, server, clientHost } = await setup(22);
    try {
      const first = await clientFromFixedPort(clientHost);
      // Until the server has taken a peer for its cookie hello, then the client is gone.
      assert.ok(await run(net, turnOf(server, first), () => server.history.length === 1, 5000), "the server takes the first client");
      first.udp.close();
      await run(net, () => server.tick(), () => false, 500);
      const oldPeer = server.history[0]!.peer;
      assert.equal(oldPeer.getStatus(), PacketPeerDTLS.STATUS_HANDSHAKING, "the server still waits for the first client's next flight");

      const second = await clientFromFixedPort(clientHost);
      const tick2 = turnOf(server, second);
      // Before: the handshaking peer took the new hellos for copies of its own client's and sent its
      // flight again, for the old client random, until its schedule ran out.
      assert.ok(await run(net, tick2, () => second.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 10_000), "the restarted client connects");
      assert.equal(oldPeer.getStatus(), PacketPeerDTLS.STATUS_ERROR);
      assert.deepEqual(server.history.map((h) => h.statuses), [["HANDSHAKING", "ERROR"], ["HANDSHAKING", "CONNECTED"]]);
      assert.equal(server.dtls.counters.sessionsReplaced, 1);
      second.dtls.disconnectFromPeer();
    } finally {
      server.udp.stop();
      net.close();
    }
  });

  test("a late copy of the hellos that began a connected session, cookie and all, leaves the session alone", async () => {
    const { net, server, clientHost } = await setup(22);
    try {
      const client = await clientFromFixedPort(clientHost);
      const tick = turnOf(server, client);
      assert.ok(await run(net, tick, () => client.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED && server.peers[0]?.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000));
      const hellos = client.sent.filter(isClientHello);
      assert.equal(hellos.length, 2, "a ClientHello, then one with the cookie");
      const peer = server.peers[0]!;
      const hvrBefore = server.dtls.counters.helloVerifyRequestsSent;
      // As a duplicate arriving late would: the cookie hello, then the first one.
      client.put(hellos[1]!);
      client.put(hellos[0]!);
      await run(net, tick, () => false, 300);
      assert.equal(peer.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
      assert.equal(client.dtls.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
      client.dtls.putPacket(new TextEncoder().encode("still here"));
      assert.ok(await run(net, tick, () => client.received.includes("echo still here"), 2000), "the session still carries data both ways");
      assert.equal(server.dtls.counters.sessionsReplaced, 0);
      assert.equal(server.dtls.counters.helloVerifyRequestsSent, hvrBefore);
      assert.equal(server.history.length, 1);
      assert.equal(server.udp.isConnectionAvailable(), false);
    } finally {
      server.udp.stop();
      net.close();
    }
  });

  test("a new ClientHello without our cookie (or with a wrong one) at a connected session gets a HelloVerifyRequest and costs no state", async () => {
    const { net, server, clientHost } = await setup(23);
    try {
      const client = await clientFromFixedPort(clientHost);
      const tick = turnOf(server, client);
      assert.ok(await run(net, tick, () => client.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED && server.peers[0]?.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000));
      const peer = server.peers[0]!;
      const [plain, withCookie] = client.sent.filter(isClientHello);
      // Another client random (a restarted client): once without a cookie, once with the old cookie (now wrong).
      const otherRandom = (hello: Uint8Array): Uint8Array => {
        const copy = hello.slice();
        // record header 13 + handshake header 12 + client_version 2: the random's 32 bytes.
        for (let i = 27; i < 59; i++) copy[i] ^= 0x5a;
        return copy;
      };
      const hvrBefore = server.dtls.counters.helloVerifyRequestsSent;
      let repliesToClient = 0;
      for (let i = 0; i < 50; i++) client.put(otherRandom(i % 2 === 0 ? plain! : withCookie!));
      await run(
        net,
        () => {
          server.tick();
          // Read what reaches the client's socket without handing it to the client's DTLS (which would drop it anyway).
          while (client.udp.getAvailablePacketCount() > 0) {
            const d = client.udp.getPacket();
            if (d[0] === 22 && d[13] === 3) repliesToClient++;
          }
        },
        () => false,
        300,
      );
      assert.equal(server.dtls.counters.helloVerifyRequestsSent - hvrBefore, 50, "each answered with a HelloVerifyRequest");
      assert.equal(repliesToClient, 50);
      assert.equal(peer.getStatus(), PacketPeerDTLS.STATUS_CONNECTED);
      assert.equal(server.dtls.counters.sessionsReplaced, 0);
      assert.equal(server.history.length, 1, "no new peer");
      assert.equal(server.udp.isConnectionAvailable(), false, "nothing pending");
      client.dtls.putPacket(new TextEncoder().encode("after"));
      assert.ok(await run(net, tick, () => client.received.includes("echo after"), 2000), "the session carries data");
    } finally {
      server.udp.stop();
      net.close();
    }
  });

  test("a client that closed its session (close_notify) connects again from the same socket: the ended peer let go of its address", async () => {
    const { net, server, clientHost } = await setup(24);
    try {
      const client = await clientFromFixedPort(clientHost);
      const tick = turnOf(server, client);
      assert.ok(await run(net, tick, () => client.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED && server.peers[0]?.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000));
      const first = server.peers[0]!;
      client.dtls.disconnectFromPeer();
      assert.ok(await run(net, tick, () => first.getStatus() === PacketPeerDTLS.STATUS_DISCONNECTED, 2000));
      // Before: the ended peer's UDP peer stayed taken, so the UDPServer kept routing this address to it.
      assert.equal(client.dtls.connectToPeer(client.udp, "localhost", TLSOptions.clientUnsafe()), GodotError.OK);
      assert.ok(await run(net, tick, () => client.dtls.getStatus() === PacketPeerDTLS.STATUS_CONNECTED, 5000), "connects again");
      client.dtls.putPacket(new TextEncoder().encode("again"));
      assert.ok(await run(net, tick, () => client.received.includes("echo again"), 2000));
      assert.equal(server.history.length, 2);
      assert.deepEqual(server.history.map((h) => h.statuses), [["HANDSHAKING", "CONNECTED", "DISCONNECTED"], ["HANDSHAKING", "CONNECTED"]]);
    } finally {
      server.udp.stop();
      net.close();
    }
  });
});
