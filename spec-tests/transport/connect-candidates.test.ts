// A host name with several addresses: a stream connect tries them in the resolver's order until
// one accepts, as Godot's WebSocket client does with its candidates. "localhost" is ::1 first on
// Debian and macOS, where a server bound to 127.0.0.1 (our servers' default) refuses the first.
// The resolver is the OS's; to give a name two addresses without touching /etc/hosts, node:dns's
// promise lookup is wrapped for one made-up name, whose first address (127.0.0.2, loopback on
// Linux but not listened on) refuses.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as dns from "node:dns";
import { StreamPeerTCP } from "../../src/tcp/tcp.ts";
import { StreamPeerSocketStatus as StreamPeerTCPStatus } from "../../src/tcp/stream-peer-socket.ts";
import { TCPServer } from "../../src/tcp/server.ts";
import { WebSocketPeer, WebSocketServer, WebSocketState } from "../../src/websocket/index.ts";
import { GodotError, NetError } from "../../src/errors.ts";

const NAME = "two-addresses.packetpeer.test";
type Lookup = typeof dns.promises.lookup;
const original: Lookup = dns.promises.lookup;
const lookups: string[] = [];
let wrapped = false;
try {
  (dns.promises as { lookup: Lookup }).lookup = (async (host: string, options?: dns.LookupAllOptions) => {
    if (host !== NAME) return original(host, options as dns.LookupAllOptions);
    lookups.push(host);
    const all = [{ address: "127.0.0.2", family: 4 }, { address: "127.0.0.1", family: 4 }];
    return options?.all ? all : all[0];
  }) as Lookup;
  wrapped = dns.promises.lookup !== original;
} catch {
  // a runtime whose node:dns is read-only
}
const linux = (globalThis as { process?: { platform?: string } }).process?.platform === "linux";
const skip = !wrapped ? "node:dns's lookup cannot be wrapped on this runtime" : !linux ? "127.0.0.2 is loopback on Linux only" : false;

describe("stream connects to a name with several addresses", { skip }, () => {
  after(() => {
    (dns.promises as { lookup: Lookup }).lookup = original;
  });

  test("StreamPeerTCP: the first address refuses, the second (127.0.0.1) connects", async () => {
    const srv = new TCPServer();
    await srv.listen(0, "127.0.0.1");
    const peer = new StreamPeerTCP();
    try {
      await peer.connectToHost(NAME, srv.getLocalPort());
      assert.ok(lookups.includes(NAME), "the made-up name went through the wrapped lookup");
      assert.equal(peer.getStatus(), StreamPeerTCPStatus.STATUS_CONNECTED);
      assert.equal(peer.getConnectedHost(), "127.0.0.1");
      const deadline = Date.now() + 10_000;
      while (!srv.isConnectionAvailable() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      // Accepted streams outlive stop() (Godot's TCPServer.stop), so the test closes its own.
      srv.takeConnection()?.disconnectFromHost();
    } finally {
      peer.disconnectFromHost();
      srv.stop();
    }
  });

  test("StreamPeerTCP: when every address refuses, the connect fails with the last address's error, naming every address tried", async () => {
    const srv = new TCPServer();
    await srv.listen(0, "127.0.0.1");
    const port = srv.getLocalPort();
    srv.stop();
    const peer = new StreamPeerTCP();
    await assert.rejects(peer.connectToHost(NAME, port), (e: unknown) => e instanceof NetError && e.code !== GodotError.OK && /127\.0\.0\.2, 127\.0\.0\.1/.test(e.message));
    assert.equal(peer.getStatus(), StreamPeerTCPStatus.STATUS_ERROR);
    peer.disconnectFromHost();
  });

  test("WebSocketPeer: ws:// to the name reaches a server on 127.0.0.1", async () => {
    const server = new WebSocketServer();
    await server.listen(0, "127.0.0.1");
    const client = new WebSocketPeer();
    try {
      assert.equal(client.connectToUrl(`ws://${NAME}:${server.getLocalPort()}/`), GodotError.OK);
      const deadline = Date.now() + 10_000;
      while (client.getReadyState() === WebSocketState.STATE_CONNECTING && Date.now() < deadline) {
        client.poll();
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN, `closed with ${client.getCloseCode()} ${client.getCloseReason()}`);
      while (!server.isConnectionAvailable() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      server.takeConnection()?.close(-1);
    } finally {
      client.close(-1);
      await server.stop();
    }
  });
});
