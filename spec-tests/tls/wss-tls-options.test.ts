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
import { scratchDir } from "../support/temp-dir.ts";
import { localhostAddress } from "../support/localhost.ts";
import { Crypto } from "../../src/crypto/crypto.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A certificate shaped as Godot's Crypto.generate_self_signed_certificate makes them: self-signed,
 * CA:TRUE, the host name in the CN and no subjectAltName (made by openssl here).
 */
function godotShapedIdentity(cn: string): { key: CryptoKey; cert: X509Certificate } {
  const dir = scratchDir("godot-cert");
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "30", "-subj", `/CN=${cn}`, "-addext", "basicConstraints=critical,CA:TRUE"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const key = new CryptoKey();
  key.loadFromString(readFileSync(join(dir, "key.pem"), "utf8"));
  const cert = new X509Certificate();
  cert.loadFromString(readFileSync(join(dir, "cert.pem"), "utf8"));
  return { key, cert };
}

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
    echo = await startEchoServer({}, TLSOptions.server(id!.key, id!.cert), await localhostAddress());
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

  // Godot's way to trust a server: TLSOptions.client(its self-signed certificate). Deno's native
  // TLS client refused these (a CA certificate as the server's; a name only in the CN).
  for (const [label, make] of [
    ["Crypto.generateSelfSignedCertificate (ours)", (): { key: CryptoKey; cert: X509Certificate } => {
      const crypto = new Crypto();
      const key = crypto.generateEcdsa();
      return { key, cert: crypto.generateSelfSignedCertificate(key, "CN=localhost,O=packetpeer,C=IT") };
    }],
    ["Godot's shape: CA:TRUE, the name in the CN only", () => godotShapedIdentity("localhost")],
  ] as const) {
    test(`a self-signed certificate from ${label}, trusted by TLSOptions.client(cert): opens; another name or certificate is refused`, async () => {
      const { key, cert } = make();
      const server = await startEchoServer({}, TLSOptions.server(key, cert), await localhostAddress());
      try {
        const client = new WebSocketPeer();
        client.connectToUrl(`wss://localhost:${server.port}/`, TLSOptions.client(cert));
        try {
          await pollUntil([client], () => client.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "wss open");
          assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN, `closed: ${client.getCloseReason()}`);
          client.sendText("self-signed");
          assert.equal(fromUtf8((await nextPacket(client)).data), "self-signed");
        } finally {
          client.close(-1);
        }
        const wrongName = new WebSocketPeer();
        wrongName.connectToUrl(`wss://localhost:${server.port}/`, TLSOptions.client(cert, "other.example"));
        await pollUntil([wrongName], () => wrongName.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "name refusal");
        assert.equal(wrongName.getCloseCode(), -1);
        const wrongCert = new WebSocketPeer();
        wrongCert.connectToUrl(`wss://localhost:${server.port}/`, TLSOptions.client(godotShapedIdentity("localhost").cert));
        await pollUntil([wrongCert], () => wrongCert.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "certificate refusal");
        assert.equal(wrongCert.getCloseCode(), -1);
      } finally {
        await server.stop();
      }
    });
  }
});
