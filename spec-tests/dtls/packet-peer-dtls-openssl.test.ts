// Live: PacketPeerDTLS against `openssl s_server -dtls1_2`, and `openssl s_client -dtls1_2`
// against UDPServer + DTLSServer (Godot's usage), on 127.0.0.1 with an EC P-256 certificate
// verified by name both ways.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DTLSServer, GodotError, PacketPeerDTLS, PacketPeerUDP, TLSOptions, UDPServer } from "../../src/index.ts";
import { dec, enc, freeUdpPort, makeIdentity, opensslAvailable, Proc, pump } from "./support.ts";

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
});
