// Live: PacketPeerDTLS against `openssl s_server -dtls1_2`, and `openssl s_client -dtls1_2`
// against UDPServer + DTLSServer (Godot's usage), on 127.0.0.1 with an EC P-256 certificate
// verified by name both ways; an s_client killed and started again from the same local port.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DTLSServer, GodotError, PacketPeerDTLS, PacketPeerUDP, TLSOptions, UDPServer } from "../../src/index.ts";
import { dec, enc, freeUdpPort, makeIdentity, opensslAvailable, Proc, pump, until } from "./support.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;
if (skip) console.log(`PacketPeerDTLS openssl: skipped: ${skip}`);

const procs: Proc[] = [];
const cleanups: (() => void)[] = [];

describe("live: PacketPeerDTLS / DTLSServer vs openssl 3", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost", "P-256");
  after(() => {
    for (const p of procs) p.stop();
    for (const c of cleanups) c();
  });

  test("PacketPeerDTLS -> openssl s_server: verified handshake, a line each way", async () => {
    const port = await freeUdpPort();
    const server = new Proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port), "-cert", id!.certPath, "-key", id!.keyPath, "-quiet"], 15000);
    procs.push(server);
    const udp = new PacketPeerUDP();
    cleanups.push(() => udp.close());
    await udp.connectToHost("127.0.0.1", port);
    const dtls = new PacketPeerDTLS();
    assert.equal(dtls.connectToPeer(udp, "localhost", TLSOptions.client(id!.cert)), GodotError.OK);
    await pump(() => dtls.poll(), () => dtls.getStatus() !== PacketPeerDTLS.STATUS_HANDSHAKING, "handshake with s_server");
    assert.equal(dtls.getStatus(), PacketPeerDTLS.STATUS_CONNECTED, dtls.getErrorMessage());
    dtls.putPacket(enc("hello openssl\n"));
    await server.waitOutput("hello openssl");
    server.write("reply from openssl\n");
    await pump(() => dtls.poll(), () => dtls.getAvailablePacketCount() > 0, "s_server's line");
    assert.equal(dec(dtls.getPacket()), "reply from openssl\n");
    dtls.disconnectFromPeer();
    server.stop();
  });

  test("openssl s_client -> UDPServer + DTLSServer: one cookie exchange, then a verified session", async () => {
    const udpServer = new UDPServer();
    cleanups.push(() => udpServer.stop());
    await udpServer.listen(0, "127.0.0.1");
    const dtlsServer = new DTLSServer();
    dtlsServer.setup(TLSOptions.server(id!.key, id!.cert));
    const client = new Proc(
      "openssl",
      ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${udpServer.getLocalPort()}`, "-CAfile", id!.certPath, "-verify_hostname", "localhost", "-verify_return_error", "-quiet"],
      15000,
    );
    procs.push(client);
    client.write("ping\n");
    const peers: PacketPeerDTLS[] = [];
    const got: string[] = [];
    await pump(
      () => {
        while (udpServer.isConnectionAvailable()) {
          const p = dtlsServer.takeConnection(udpServer.takeConnection()!);
          if (p.getStatus() === PacketPeerDTLS.STATUS_HANDSHAKING) peers.push(p);
        }
        for (const p of peers) {
          p.poll();
          while (p.getAvailablePacketCount() > 0) {
            got.push(dec(p.getPacket()));
            p.putPacket(enc("pong\n"));
          }
        }
      },
      () => got.join("").includes("ping"),
      "s_client's line",
    );
    await client.waitOutput("pong");
    assert.match(client.out, /verify return:1/);
    assert.equal(dtlsServer.counters.helloVerifyRequestsSent, 1);
    client.stop();
  });

  test("an s_client killed (no close_notify) and started again from the same local port connects again; the old peer ends in STATUS_ERROR (RFC 6347 4.2.8)", async () => {
    const udpServer = new UDPServer();
    cleanups.push(() => udpServer.stop());
    await udpServer.listen(0, "127.0.0.1");
    const dtlsServer = new DTLSServer();
    dtlsServer.setup(TLSOptions.server(id!.key, id!.cert));
    // Godot's DTLSServer pattern, run every 5 ms: take, poll, echo, drop peers neither handshaking nor connected.
    let peers: PacketPeerDTLS[] = [];
    const statuses = new Map<PacketPeerDTLS, number[]>();
    const got: string[] = [];
    const loop = setInterval(() => {
      udpServer.poll();
      while (udpServer.isConnectionAvailable()) {
        const p = dtlsServer.takeConnection(udpServer.takeConnection()!);
        if (p.getStatus() !== PacketPeerDTLS.STATUS_HANDSHAKING) continue;
        peers.push(p);
        statuses.set(p, [p.getStatus()]);
      }
      for (const p of peers) {
        p.poll();
        const seen = statuses.get(p)!;
        if (seen[seen.length - 1] !== p.getStatus()) seen.push(p.getStatus());
        while (p.getAvailablePacketCount() > 0) {
          const line = dec(p.getPacket()).trim();
          got.push(line);
          p.putPacket(enc(`pong ${line}\n`));
        }
      }
      peers = peers.filter((p) => p.getStatus() === PacketPeerDTLS.STATUS_HANDSHAKING || p.getStatus() === PacketPeerDTLS.STATUS_CONNECTED);
    }, 5);
    cleanups.push(() => clearInterval(loop));
    const local = await freeUdpPort();
    for (const round of ["first", "second"]) {
      const client = new Proc(
        "openssl",
        ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${udpServer.getLocalPort()}`, "-bind", `127.0.0.1:${local}`, "-CAfile", id!.certPath, "-verify_hostname", "localhost", "-verify_return_error", "-quiet"],
        15000,
      );
      procs.push(client);
      client.write(`${round}\n`);
      // The second round takes a second longer: its cookie hello ends the old peer and is dropped, as in Godot; s_client retransmits it after 1 s.
      await until(() => got.includes(round), `data from the ${round} s_client`, 10_000);
      await client.waitOutput(`pong ${round}`);
      // Killed: no close_notify reaches us, so the first peer is still connected when the second client says hello.
      client.stop();
      await until(() => client.exited, `the ${round} s_client to exit`);
    }
    clearInterval(loop);
    const [first, second] = [...statuses.values()];
    assert.deepEqual(first, [PacketPeerDTLS.STATUS_HANDSHAKING, PacketPeerDTLS.STATUS_CONNECTED, PacketPeerDTLS.STATUS_ERROR]);
    assert.deepEqual(second, [PacketPeerDTLS.STATUS_HANDSHAKING, PacketPeerDTLS.STATUS_CONNECTED]);
    assert.equal(statuses.size, 2);
    assert.equal(dtlsServer.counters.sessionsReplaced, 1);
    assert.equal(dtlsServer.counters.helloVerifyRequestsSent, 2);
  });
});
