// ENet over DTLS on the simulated network (virtual clock, seeded loss/duplication/reordering):
// the DTLS handshake survives lost flights (retransmitted on the virtual clock), then 300 reliable messages arrive once, in order.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags, PeerState } from "../../src/enet/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { testCredentials } from "./fuzz-engine.ts";
import { DtlsStatus } from "../../src/dtls/session.ts";
import { collect } from "../enet/collect.ts";


/** A DTLS client connection from 127.0.0.2:5555 (always the same port) to the server on 127.0.0.1:7000. */
async function connectFrom(net: MemoryNetwork): Promise<{ conn: ENetConnection; connected: () => boolean; done: Promise<void> }> {
  const conn = new ENetConnection({ runtime: net.createRuntime("127.0.0.2") });
  await conn.createHostBound("127.0.0.2", 5555, { maxPeers: 1 });
  await conn.dtlsClientSetup("localhost", TLSOptions.clientUnsafe());
  let up = false;
  const c = collect(conn, (e) => {
    if (e.type === EventType.CONNECT) up = true;
  });
  await conn.connectToHost("127.0.0.1", 7000);
  return { conn, connected: () => up, done: c.done };
}

describe("ENet over DTLS on a lossy simulated network", () => {
  test("20 % loss, duplicates, reordering: the DTLS handshake and 300 reliable messages complete, once and in order", async () => {
    const net = new MemoryNetwork({ seed: 7, defaultLink: { latencyMs: 40, jitterMs: 10 } });
    net.setLink("127.0.0.1", "127.0.0.2", { loss: 0.2, duplicate: 0.05, reorder: 0.1, latencyMs: 40 });
    const { key, cert } = testCredentials();
    const server = new ENetConnection({ runtime: net.createRuntime("127.0.0.1") });
    const client = new ENetConnection({ runtime: net.createRuntime("127.0.0.2") });
    try {
      await server.createHostBound("127.0.0.1", 7000, { maxPeers: 2 });
      await server.dtlsServerSetup(TLSOptions.server(key, cert));
      await client.createHost({ maxPeers: 1 });
      // The fixed test certificate is valid from 2026-12-03; the virtual clock is not a date, the wall clock is.
      await client.dtlsClientSetup("localhost", TLSOptions.clientUnsafe());
      const peer = await client.connectToHost("127.0.0.1", 7000);
      const got: number[] = [];
      const sv = collect(server, (e) => {
        if (e.type === EventType.RECEIVE) got.push(e.packet![0]! | (e.packet![1]! << 8));
      });
      const cl = collect(client, (e) => {
        if (e.type === EventType.CONNECT) for (let i = 0; i < 300; i++) peer.send(0, new Uint8Array([i & 255, i >> 8, 1, 2, 3]), PacketFlags.RELIABLE);
      });
      assert.ok(await net.runUntil(() => got.length >= 300, 120_000), `received ${got.length} of 300`);
      assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => i));
      const dtls = server.getDtlsTransport()!;
      assert.equal(dtls.sessionCount, 1);
      assert.ok(net.stats().lost > 0, "the link lost datagrams");
      client.destroy();
      server.destroy();
      await Promise.all([sv.done, cl.done]);
    } finally {
      net.close();
    }
  });

  test("dtlsServerSetup takes the server's limits as a second argument (not in Godot) and checks them", async () => {
    const net = new MemoryNetwork({ seed: 8 });
    const { key, cert } = testCredentials();
    const server = new ENetConnection({ runtime: net.createRuntime("127.0.0.1") });
    try {
      await server.createHostBound("127.0.0.1", 7000, { maxPeers: 2 });
      await assert.rejects(server.dtlsServerSetup(TLSOptions.server(key, cert), { maxHandshaking: 0 }), RangeError);
      await assert.rejects(server.dtlsServerSetup(TLSOptions.server(key, cert), { handshakesPerSecond: -1 }), RangeError);
      // A misspelt limit, or a key the transport's internal options have, is refused, not ignored or passed on.
      for (const extra of [{ maxSession: 10 }, { session: { cipherSuites: [0xc02b] } }])
        await assert.rejects(server.dtlsServerSetup(TLSOptions.server(key, cert), extra as object), (e: unknown) => e instanceof TypeError && /unknown field/.test(e.message));
      assert.equal(server.getDtlsTransport(), null, "a refused setup leaves the host as it was");
      await server.dtlsServerSetup(TLSOptions.server(key, cert), { maxHandshaking: 1, handshakesPerSecondPerAddress: 2 });
      assert.ok(server.getDtlsTransport() !== null);
    } finally {
      server.destroy();
      net.close();
    }
  });

  test("the DTLS layer loads asynchronously: a host destroyed or replaced meanwhile is refused, not upgraded; a second setup is ERR_ALREADY_IN_USE", async () => {
    const net = new MemoryNetwork({ seed: 9 });
    const { key, cert } = testCredentials();
    const conn = new ENetConnection({ runtime: net.createRuntime("127.0.0.1") });
    const refused = (what: RegExp) => (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED && what.test(e.message);
    try {
      await conn.createHostBound("127.0.0.1", 7000, { maxPeers: 2 });
      const destroyed = conn.dtlsServerSetup(TLSOptions.server(key, cert));
      conn.destroy();
      await assert.rejects(destroyed, refused(/destroyed or replaced while DTLS was loading/));

      await conn.createHostBound("127.0.0.1", 7001, { maxPeers: 2 });
      const replaced = conn.dtlsClientSetup("localhost", TLSOptions.clientUnsafe());
      conn.destroy();
      await conn.createHostBound("127.0.0.1", 7002, { maxPeers: 2 });
      await assert.rejects(replaced, refused(/destroyed or replaced/));
      assert.equal(conn.getDtlsTransport(), null, "the new host was left as it was");

      await conn.dtlsServerSetup(TLSOptions.server(key, cert));
      assert.ok(conn.getDtlsTransport() !== null);
      await assert.rejects(conn.dtlsServerSetup(TLSOptions.server(key, cert)), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    } finally {
      conn.destroy();
      net.close();
    }
  });

  for (const stage of ["connected", "still in its handshake"] as const) {
    test(`a client that vanished and comes back from the same address and port while our session is ${stage} gets a new session (RFC 6347 4.2.8), not the old one's flight`, async () => {
      // The clock moves only in runUntil/runFor: a handshaking session must not time out while the
      // second client is set up.
      const net = new MemoryNetwork({ seed: 10, defaultLink: { latencyMs: 20 }, autoAdvance: false });
      const { key, cert } = testCredentials();
      const server = new ENetConnection({ runtime: net.createRuntime("127.0.0.1") });
      const ended: string[] = [];
      try {
        await server.createHostBound("127.0.0.1", 7000, { maxPeers: 4 });
        await server.dtlsServerSetup(TLSOptions.server(key, cert));
        const dtls = server.getDtlsTransport()!;
        dtls.onSessionEnded = (address, port, _code, message) => ended.push(`${address}:${port} ${message}`);
        const sv = collect(server);
        const first = await connectFrom(net);
        if (stage === "connected") {
          assert.ok(await net.runUntil(first.connected, 10_000), "the first client connects");
        } else {
          // The server answers the cookie hello with its flight; nothing of the client's reaches it after that.
          assert.ok(await net.runUntil(() => dtls.getSessionStatus("127.0.0.2", 5555) === DtlsStatus.STATUS_HANDSHAKING, 10_000));
        }
        // It vanishes without a word (a crash: its close_notify and DISCONNECT never arrive).
        net.setLink("127.0.0.2", "127.0.0.1", { loss: 1 }, false);
        await net.runFor(500);
        first.conn.destroy();
        await first.done;
        net.setLink("127.0.0.2", "127.0.0.1", { latencyMs: 20 }, false);
        assert.equal(dtls.getSessionStatus("127.0.0.2", 5555), stage === "connected" ? DtlsStatus.STATUS_CONNECTED : DtlsStatus.STATUS_HANDSHAKING);
        const second = await connectFrom(net);
        // Before: a connected session answered each new ClientHello with its Finished, forever; a
        // handshaking one took it for a copy of its own client's and sent its flight again, for the
        // old client random, until its schedule ran out (123 s).
        assert.ok(await net.runUntil(second.connected, 10_000), "the client connects again from the same address and port");
        assert.equal(dtls.counters.sessionsReplaced, 1);
        assert.equal(dtls.sessionCount, 1);
        assert.deepEqual(ended, ["127.0.0.2:5555 the client started a new DTLS handshake from the same address and port (it restarted, or never received our Finished)"]);
        second.conn.destroy();
        await second.done;
        server.destroy();
        await sv.done;
      } finally {
        server.destroy();
        net.close();
      }
    });
  }

  test("a late copy of the ClientHello that began a connected session, cookie and all, leaves the session alone", async () => {
    // The clock moves only in runUntil/runFor, as in the restart tests above (this test has one
    // client and a connected session: nothing in it waits on a handshake timer).
    const net = new MemoryNetwork({ seed: 11, defaultLink: { latencyMs: 20 }, autoAdvance: false });
    const { key, cert } = testCredentials();
    const server = new ENetConnection({ runtime: net.createRuntime("127.0.0.1") });
    const client = new ENetConnection({ runtime: net.createRuntime("127.0.0.2") });
    try {
      await server.createHostBound("127.0.0.1", 7000, { maxPeers: 2 });
      await server.dtlsServerSetup(TLSOptions.server(key, cert));
      await client.createHost({ maxPeers: 1 });
      await client.dtlsClientSetup("localhost", TLSOptions.clientUnsafe());
      // Keep what the client sends, to replay its second ClientHello (the one with our cookie) later.
      const sent: Uint8Array[] = [];
      const inner = (client.getDtlsTransport() as unknown as { inner: { send(d: Uint8Array, a: string, p: number): void } }).inner;
      const send = inner.send.bind(inner);
      inner.send = (d, a, p) => {
        sent.push(d.slice());
        send(d, a, p);
      };
      let received = 0;
      const sv = collect(server, (e) => {
        if (e.type === EventType.RECEIVE) received++;
      });
      const cl = collect(client);
      const peer = await client.connectToHost("127.0.0.1", 7000);
      assert.ok(await net.runUntil(() => peer.getState() === PeerState.STATE_CONNECTED, 10_000), "connected");
      const hellos = sent.filter((d) => d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 1);
      assert.equal(hellos.length, 2, "a ClientHello, then one with the cookie");
      // Deliver the cookie hello again, as a network duplicate arriving late would.
      send(hellos[1]!, "127.0.0.1", 7000);
      await net.runFor(200);
      peer.send(0, new Uint8Array([1, 2, 3]), PacketFlags.RELIABLE);
      assert.ok(await net.runUntil(() => received === 1, 5_000), "the session still carries data");
      assert.equal(server.getDtlsTransport()!.counters.sessionsReplaced, 0);
      client.destroy();
      server.destroy();
      await Promise.all([sv.done, cl.done]);
    } finally {
      net.close();
    }
  });

  test("a client connecting again after its server restarted starts a new DTLS session (the old one's records would be dropped)", async () => {
    const net = new MemoryNetwork({ seed: 12, defaultLink: { latencyMs: 20 } });
    const { key, cert } = testCredentials();
    const servers: ENetConnection[] = [];
    const startServer = async (): Promise<void> => {
      const s = new ENetConnection({ runtime: net.createRuntime("127.0.0.1") });
      await s.createHostBound("127.0.0.1", 7000, { maxPeers: 2 });
      await s.dtlsServerSetup(TLSOptions.server(key, cert));
      collect(s);
      servers.push(s);
    };
    const client = new ENetConnection({ runtime: net.createRuntime("127.0.0.2") });
    try {
      await startServer();
      await client.createHost({ maxPeers: 1 });
      await client.dtlsClientSetup("localhost", TLSOptions.clientUnsafe());
      const events: EventType[] = [];
      const cl = collect(client, (e) => events.push(e.type));
      let peer = await client.connectToHost("127.0.0.1", 7000);
      assert.ok(await net.runUntil(() => peer.getState() === PeerState.STATE_CONNECTED, 10_000), "connected");
      // The server goes away without a word and comes back on the same port with no memory of the session.
      net.setLink("127.0.0.1", "127.0.0.2", { loss: 1 }, false);
      servers[0]!.destroy();
      await net.runFor(100);
      net.setLink("127.0.0.1", "127.0.0.2", { latencyMs: 20 }, false);
      await startServer();
      assert.ok(await net.runUntil(() => events.includes(EventType.DISCONNECT), 120_000), "the client's peer times out");
      peer = await client.connectToHost("127.0.0.1", 7000);
      assert.ok(await net.runUntil(() => peer.getState() === PeerState.STATE_CONNECTED, 10_000), "the client connects to the restarted server");
      assert.equal(client.getDtlsTransport()!.sessionCount, 1);
      client.destroy();
      await cl.done;
    } finally {
      client.destroy();
      for (const s of servers) s.destroy();
      net.close();
    }
  });
});
