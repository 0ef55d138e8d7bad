// A Godot 4.6 web client (the official web build in headless Chromium: its WebSocket is the
// browser's) joins our WebSocketMultiplayerPeer server over wss://, the way a web export served
// over https must. The server's certificate and key are made by our Crypto (RSA 2048, and P-256),
// self-signed; Chromium is told to accept that one key (--ignore-certificate-errors-spki-list).
import assert from "node:assert/strict";
import { createHash, X509Certificate as NodeX509 } from "node:crypto";
import { describe, test } from "node:test";
import { Crypto } from "../../src/crypto/crypto.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { ConnectionStatus, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { godot4SkipReason, openGodot4 } from "./harness.ts";

const skip = godot4SkipReason();

const CLIENT = `extends SceneTree
var mp := WebSocketMultiplayerPeer.new()
var last_status := -1

func report(d: Dictionary) -> void:
	print(JSON.stringify(d))

func _initialize() -> void:
	report({"ev": "create", "err": mp.create_client(OS.get_cmdline_user_args()[0])})

func _process(_delta: float) -> bool:
	mp.poll()
	var st := mp.get_connection_status()
	if st != last_status:
		last_status = st
		report({"ev": "status", "status": st, "id": mp.get_unique_id()})
		if st == MultiplayerPeer.CONNECTION_CONNECTED:
			mp.set_target_peer(1)
			mp.put_packet("hello over tls".to_utf8_buffer())
	while mp.get_available_packet_count() > 0:
		var text := mp.get_packet().get_string_from_utf8()
		report({"ev": "pkt", "data": text})
		if text == "bye":
			quit(0)
	return false
`;

describe("live: a Godot 4.6 web client over wss:// to our WebSocketMultiplayerPeer server", { skip }, () => {
  const crypto = new Crypto();
  for (const [label, makeKey] of [
    ["RSA 2048", () => crypto.generateRsa(2048)],
    ["P-256", () => crypto.generateEcdsa()],
  ] as const) {
    test(`${label} self-signed certificate from Crypto: the id handshake and packets both ways`, async () => {
      const key = makeKey();
      const cert = crypto.generateSelfSignedCertificate(key, "CN=localhost,O=packetpeer,C=IT");
      const spki = new NodeX509(cert.saveToString()).publicKey.export({ type: "spki", format: "der" });
      const server = new WebSocketMultiplayerPeer();
      await server.createServer(0, "127.0.0.1", TLSOptions.server(key, cert));
      const godot = await openGodot4({ trustSpki: [createHash("sha256").update(spki).digest("base64")] });
      try {
        const lines: Record<string, unknown>[] = [];
        const got: string[] = [];
        const run = godot.run({
          script: CLIENT,
          args: [`wss://localhost:${server.getLocalPort()}`],
          timeoutMs: 20_000,
          onLine: (line) => {
            if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
          },
        });
        let finished = false;
        void run.finally(() => (finished = true));
        let replied = false;
        const end = Date.now() + 20_000;
        while (!finished && Date.now() < end) {
          server.poll();
          while (server.getAvailablePacketCount() > 0) {
            const from = server.getPacketPeer();
            got.push(new TextDecoder().decode(server.getPacket()));
            if (!replied) {
              replied = true;
              server.setTargetPeer(from);
              server.putPacket(new TextEncoder().encode("welcome over tls"));
              server.putPacket(new TextEncoder().encode("bye"));
            }
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        const result = await run;
        assert.equal(result.exitCode, 0, `Godot: ${JSON.stringify(lines)} ${result.errors.slice(0, 5).join(" | ")}`);
        assert.deepEqual(got, ["hello over tls"]);
        const connected = lines.find((l) => l.ev === "status" && l.status === ConnectionStatus.CONNECTION_CONNECTED);
        assert.ok(connected && (connected.id as number) > 1, "Godot got its peer id over wss");
        assert.deepEqual(lines.filter((l) => l.ev === "pkt").map((l) => l.data), ["welcome over tls", "bye"]);
      } finally {
        await godot.close();
        server.close();
      }
    });
  }
});
