// A Godot 4.6 web client (the official web build in headless Chromium: its WebSocket is the
// browser's) joins our WebSocketMultiplayerPeer server over wss://, the way a web export served
// over https must. The server's certificate and key are made by our Crypto (RSA 2048, and P-256),
// self-signed; Chromium is told to accept that one key (--ignore-certificate-errors-spki-list).
import assert from "node:assert/strict";
import { createHash, X509Certificate as NodeX509 } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Crypto } from "../../src/crypto/crypto.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { ConnectionStatus, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { godot4SkipReason, openGodot4 } from "./harness.ts";

const skip = godot4SkipReason();

const CLIENT = readFileSync(fileURLToPath(new URL("./mp_client.gd", import.meta.url)), "utf8");

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
          args: [`url=wss://localhost:${server.getLocalPort()}`, "name=tls"],
          timeoutMs: 60_000, // the web build's boot included (over 15 s on a loaded machine)
          onLine: (line) => {
            if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
          },
        });
        let finished = false;
        void run.finally(() => (finished = true));
        let replied = false;
        const end = Date.now() + 60_000;
        while (!finished && Date.now() < end) {
          server.poll();
          while (server.getAvailablePacketCount() > 0) {
            const from = server.getPacketPeer();
            got.push(new TextDecoder().decode(server.getPacket()));
            if (!replied) {
              replied = true;
              server.setTargetPeer(from);
              server.putPacket(new TextEncoder().encode("welcome over tls"));
            }
          }
          // Once Godot has our reply, the server closes: the client sees it and quits.
          if (lines.some((l) => l.ev === "pkt" && l.data === "welcome over tls") && server.getConnectionStatus() !== ConnectionStatus.CONNECTION_DISCONNECTED) server.close();
          await new Promise((r) => setTimeout(r, 5));
        }
        const result = await run;
        assert.equal(result.exitCode, 0, `Godot: ${JSON.stringify(lines)} ${result.errors.slice(0, 5).join(" | ")}`);
        assert.deepEqual(got, ["hello:tls"]);
        const connected = lines.find((l) => l.ev === "status" && l.status === ConnectionStatus.CONNECTION_CONNECTED);
        assert.ok(connected && (connected.id as number) > 1, "Godot got its peer id over wss");
        assert.deepEqual(lines.filter((l) => l.ev === "pkt").map((l) => [l.from, l.data]), [[1, "welcome over tls"]]);
        assert.ok(lines.some((l) => l.ev === "done"), "Godot saw the server close");
      } finally {
        await godot.close();
        server.close();
      }
    });
  }
});
