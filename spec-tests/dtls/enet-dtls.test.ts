// ENetConnection with dtlsServerSetup / dtlsClientSetup: our ENet client and server over DTLS 1.2
// on loopback UDP; reliable packets both ways, what travels on the wire is DTLS (not ENet), and a
// client that does not trust the server's certificate never connects.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags } from "../../src/enet/index.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { DtlsStatus } from "../../src/dtls/session.ts";
import { dec, enc, makeIdentity, opensslAvailable, until } from "./support.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;

describe("ENet over DTLS (ours both sides, loopback UDP)", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");
  const other = skip ? undefined : makeIdentity("localhost");
  const hosts: ENetConnection[] = [];
  after(() => {
    for (const h of hosts) h.destroy();
  });

  test("connect, reliable packets both ways, refuseNewConnections stops new handshakes", async () => {
    const server = new ENetConnection();
    hosts.push(server);
    await server.createHostBound("127.0.0.1", 0, { maxPeers: 4 });
    await server.dtlsServerSetup(TLSOptions.server(id!.key, id!.cert));
    const port = server.getLocalPort();
    const client = new ENetConnection();
    hosts.push(client);
    await client.createHost({ maxPeers: 1 });
    await client.dtlsClientSetup("localhost", TLSOptions.client(id!.cert));
    const peer = await client.connectToHost("127.0.0.1", port, { channels: 2, data: 7 });
    const got: string[] = [];
    let connected = 0;
    await until(() => {
      for (let e = server.poll(); e.type !== EventType.NONE; e = server.poll()) {
        if (e.type === EventType.CONNECT) {
          connected++;
          e.peer!.send(1, enc("from server"), PacketFlags.RELIABLE);
        }
        if (e.type === EventType.RECEIVE) got.push(`s:${dec(e.packet!)}`);
      }
      for (let e = client.poll(); e.type !== EventType.NONE; e = client.poll()) {
        if (e.type === EventType.CONNECT) peer.send(0, enc("from client"), PacketFlags.RELIABLE);
        if (e.type === EventType.RECEIVE) got.push(`c:${dec(e.packet!)}`);
      }
      return got.length === 2;
    }, "ENet over DTLS exchange");
    assert.deepEqual(got.sort(), ["c:from server", "s:from client"]);
    assert.equal(connected, 1);
    const dtls = server.getDtlsTransport()!;
    assert.equal(dtls.getSessionStatus("127.0.0.1", client.getLocalPort()), DtlsStatus.STATUS_CONNECTED);
    assert.equal(dtls.counters.helloVerifyRequestsSent, 1);

    // Refusing: a second client's ClientHello gets no answer at all.
    server.refuseNewConnections(true);
    const late = new ENetConnection();
    hosts.push(late);
    await late.createHost({ maxPeers: 1 });
    await late.dtlsClientSetup("localhost", TLSOptions.client(id!.cert));
    await late.connectToHost("127.0.0.1", port);
    await until(() => {
      server.poll();
      late.poll();
      return dtls.counters.handshakesRefused > 0;
    }, "refused handshake");
    assert.equal(dtls.counters.helloVerifyRequestsSent, 1);
  });

  test("a client that does not trust the server's certificate does not connect", async () => {
    const server = new ENetConnection();
    hosts.push(server);
    await server.createHostBound("127.0.0.1", 0, { maxPeers: 4 });
    await server.dtlsServerSetup(TLSOptions.server(id!.key, id!.cert));
    const client = new ENetConnection();
    hosts.push(client);
    await client.createHost({ maxPeers: 1 });
    await client.dtlsClientSetup("localhost", TLSOptions.client(other!.cert));
    const ended: string[] = [];
    client.getDtlsTransport()!.onSessionEnded = (_a, _p, _c, message) => ended.push(message);
    await client.connectToHost("127.0.0.1", server.getLocalPort());
    let serverConnects = 0;
    await until(() => {
      for (let e = server.poll(); e.type !== EventType.NONE; e = server.poll()) if (e.type === EventType.CONNECT) serverConnects++;
      client.poll();
      return ended.length > 0;
    }, "verification failure");
    assert.match(ended[0]!, /not signed by a trusted certificate/);
    assert.equal(serverConnects, 0);
  });
});

describe("ENetMultiplayerPeer over DTLS (dtlsServerOptions / dtlsClientOptions)", { skip }, () => {
  test("a client joins a DTLS server and packets flow both ways", async () => {
    const { ENetMultiplayerPeer } = await import("../../src/multiplayer/index.ts");
    const id = makeIdentity("localhost");
    const server = new ENetMultiplayerPeer();
    const client = new ENetMultiplayerPeer();
    try {
      await assert.rejects(server.createServer(0, 4, 0, 0, 0, { dtlsServerOptions: TLSOptions.server(id.key, id.cert), dtlsServerLimits: { maxSessions: 0 } }), RangeError);
      await server.createServer(0, 4, 0, 0, 0, { dtlsServerOptions: TLSOptions.server(id.key, id.cert), dtlsServerLimits: { handshakesPerSecondPerAddress: 20 } });
      const port = server.getHost()!.getLocalPort();
      await client.createClient("127.0.0.1", port, 0, 0, 0, 0, { dtlsClientOptions: TLSOptions.client(id.cert), dtlsHostname: "localhost" });
      const got: string[] = [];
      let sent = false;
      await until(() => {
        server.poll();
        client.poll();
        if (!sent && client.getConnectionStatus() === 2) {
          client.setTargetPeer(1);
          client.putPacket(enc("over dtls"));
          sent = true;
        }
        while (server.getAvailablePacketCount() > 0) got.push(dec(server.getPacket()));
        return got.length > 0;
      }, "multiplayer packet over DTLS");
      assert.deepEqual(got, ["over dtls"]);
      assert.equal(server.getHost()!.getDtlsTransport()!.sessionCount, 1);
    } finally {
      client.close();
      server.close();
    }
  });
});
