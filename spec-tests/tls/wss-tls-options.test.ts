// Godot's TLSOptions class drives wss:// (the runtime's native TLS): TLSOptions.server(key, cert)
// for our WebSocketServer, TLSOptions.client(trusted) / clientUnsafe() for WebSocketPeer, and an
// untrusted server refused.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { startEchoServer, type EchoServer } from "../websocket/echo-server.ts";
import { fromUtf8, nextPacket, pollUntil } from "../websocket/support.ts";
import { makeIdentity, opensslAvailable } from "../dtls/support.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;

describe("wss:// with Godot's TLSOptions class", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");
  const other = skip ? undefined : makeIdentity("localhost");
  let echo: EchoServer | undefined;
  after(async () => {
    await echo?.stop();
  });

  test("TLSOptions.server / TLSOptions.client(trusted): text round trip; another CA is refused; clientUnsafe accepts", async () => {
    echo = await startEchoServer({}, TLSOptions.server(id!.key, id!.cert));
    const client = new WebSocketPeer();
    client.connectToUrl(`wss://localhost:${echo.port}/`, TLSOptions.client(id!.cert));
    try {
      await pollUntil([client], () => client.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "wss open");
      assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN);
      client.sendText("tls options");
      assert.equal(fromUtf8((await nextPacket(client)).data), "tls options");
    } finally {
      client.close(-1);
    }
    const refused = new WebSocketPeer();
    refused.connectToUrl(`wss://localhost:${echo.port}/`, TLSOptions.client(other!.cert));
    await pollUntil([refused], () => refused.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "refusal");
    const unsafe = new WebSocketPeer();
    unsafe.connectToUrl(`wss://localhost:${echo.port}/`, TLSOptions.clientUnsafe());
    try {
      await pollUntil([unsafe], () => unsafe.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "unsafe open");
      assert.equal(unsafe.getReadyState(), WebSocketState.STATE_OPEN);
    } finally {
      unsafe.close(-1);
    }
  });
});
