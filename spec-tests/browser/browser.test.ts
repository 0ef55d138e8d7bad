// The browser as a runtime: the browser build (src/browser.ts, bundled by esbuild for the browser
// platform) in a page of headless Chromium (Debian's, through playwright-core), talking to our own
// Node servers on 127.0.0.1: WebSocketPeer over the page's WebSocket (text, binary, close codes both
// ways), WebSocketMultiplayerPeer's Godot 4 handshake and packets both ways, the Variant encoding,
// compression and StreamPeerBuffer, and ENet/TCP refusing with ERR_UNAVAILABLE. Node drives it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketMultiplayerPeer, WebSocketServer, WebSocketState, type WebSocketPeer } from "../../src/index.ts";
import { CHROMIUM_PATH } from "../godot4/harness.ts";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "Node drives Chromium (playwright-core); the browser build is the same on every runtime" : !existsSync(CHROMIUM_PATH) ? `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)` : false;
if (skip) console.log(`browser: skipped: ${skip}`);

interface PwPage {
  goto(url: string): Promise<unknown>;
  evaluate<T, A>(fn: (arg: A) => Promise<T> | T, arg: A): Promise<T>;
  on(event: "console", cb: (msg: { text(): string }) => void): void;
  on(event: "pageerror", cb: (err: Error) => void): void;
}
interface PwBrowser {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}

describe("browser runtime (headless Chromium)", { skip }, () => {
  let http: Server;
  let browser: PwBrowser | undefined;
  let page: PwPage;
  let base = "";
  const wsServer = new WebSocketServer();
  const mpServer = new WebSocketMultiplayerPeer();
  const serverSide: { closes: { code: number; reason: string }[]; mpPackets: { from: number; text: string }[] } = { closes: [], mpPackets: [] };
  let pump: ReturnType<typeof setInterval> | undefined;
  const pageLog: string[] = [];

  before(async () => {
    const esbuild = await import("esbuild");
    const bundle = await esbuild.build({ entryPoints: [join(root, "src", "browser.ts")], bundle: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "error" });
    const js = bundle.outputFiles[0]!.text;
    // (The page also defines __name: tsx's keepNames wraps the functions handed to page.evaluate with it.)
    http = createServer((req, res) => {
      if (req.url === "/packetpeer.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(js);
      if (req.url === "/") return void res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script>window.__name = (f) => f;</script><script type="module">import * as pp from "/packetpeer.js"; window.pp = pp; window.ppReady = true;</script>');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    await wsServer.listen(0, "127.0.0.1");
    await mpServer.createServer(0, "127.0.0.1");
    const peers: WebSocketPeer[] = [];
    pump = setInterval(() => {
      for (let p = wsServer.takeConnection(); p; p = wsServer.takeConnection()) peers.push(p);
      for (const p of peers) {
        const was = p.getReadyState();
        p.poll();
        while (p.getAvailablePacketCount() > 0) {
          const data = p.getPacket();
          p.send(data, p.wasStringPacket() ? 0 : 1); // echo as it came (WRITE_MODE_TEXT = 0)
        }
        if (was !== WebSocketState.STATE_CLOSED && p.getReadyState() === WebSocketState.STATE_CLOSED) serverSide.closes.push({ code: p.getCloseCode(), reason: p.getCloseReason() });
      }
      mpServer.poll();
      while (mpServer.getAvailablePacketCount() > 0) {
        const from = mpServer.getPacketPeer();
        const text = new TextDecoder().decode(mpServer.getPacket());
        serverSide.mpPackets.push({ from, text });
        mpServer.setTargetPeer(from);
        mpServer.putPacket(new TextEncoder().encode(`server got: ${text}`));
      }
    }, 5);

    const { chromium } = (await import("playwright-core")) as unknown as { chromium: { launch(o: { executablePath: string; headless: boolean; args: string[] }): Promise<PwBrowser> } };
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
    page = await browser.newPage();
    page.on("console", (m) => pageLog.push(m.text()));
    page.on("pageerror", (e) => pageLog.push(`pageerror: ${e.message}`));
    await page.goto(base + "/");
    await page.evaluate(async () => {
      const w = globalThis as unknown as { ppReady?: boolean };
      for (let i = 0; i < 200 && !w.ppReady; i++) await new Promise((r) => setTimeout(r, 25));
    }, null);
  });

  after(async () => {
    if (pump) clearInterval(pump);
    await browser?.close();
    await wsServer.stop();
    mpServer.close();
    http?.closeAllConnections();
    http?.close();
  });

  test("WebSocketPeer over the page's WebSocket: text and binary echoed, close code and reason reach our server", async () => {
    const url = `ws://127.0.0.1:${wsServer.getLocalPort()}/chat`;
    const r = await page.evaluate(async (u: string) => {
      const pp = (globalThis as unknown as { pp: typeof import("../../src/browser.ts") }).pp;
      const tick = (): Promise<void> => new Promise((res) => setTimeout(res, 10));
      const ws = new pp.WebSocketPeer();
      const runtime = pp.detectRuntime().name;
      ws.connectToUrl(u);
      for (let i = 0; i < 1000 && ws.getReadyState() !== pp.WebSocketState.STATE_OPEN; i++) {
        ws.poll();
        await tick();
      }
      const opened = ws.getReadyState() === pp.WebSocketState.STATE_OPEN;
      ws.sendText("hello from the page");
      ws.send(new Uint8Array([0, 1, 2, 255]));
      const got: { text: boolean; bytes: number[] }[] = [];
      for (let i = 0; i < 1000 && got.length < 2; i++) {
        ws.poll();
        while (ws.getAvailablePacketCount() > 0) {
          const p = ws.getPacket();
          got.push({ text: ws.wasStringPacket(), bytes: Array.from(p) });
        }
        await tick();
      }
      ws.close(4001, "page leaving");
      for (let i = 0; i < 1000 && ws.getReadyState() !== pp.WebSocketState.STATE_CLOSED; i++) {
        ws.poll();
        await tick();
      }
      return { runtime, opened, got, state: ws.getReadyState(), code: ws.getCloseCode(), requested: ws.getRequestedUrl() };
    }, url);
    assert.equal(r.runtime, "browser");
    assert.equal(r.opened, true, pageLog.join("\n"));
    assert.deepEqual(r.got, [
      { text: true, bytes: Array.from(new TextEncoder().encode("hello from the page")) },
      { text: false, bytes: [0, 1, 2, 255] },
    ]);
    assert.equal(r.state, 3);
    assert.equal(r.code, 4001, "the close handshake completed with our code");
    assert.equal(r.requested, url);
    for (let i = 0; i < 500 && serverSide.closes.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(serverSide.closes, [{ code: 4001, reason: "page leaving" }]);
  });

  test("WebSocketMultiplayerPeer client (Godot 4 protocol): id handshake, packets both ways with the sender's id", async () => {
    const url = `ws://127.0.0.1:${mpServer.getLocalPort()}/`;
    const r = await page.evaluate(async (u: string) => {
      const pp = (globalThis as unknown as { pp: typeof import("../../src/browser.ts") }).pp;
      const tick = (): Promise<void> => new Promise((res) => setTimeout(res, 10));
      const mp = new pp.WebSocketMultiplayerPeer();
      await mp.createClient(u);
      for (let i = 0; i < 1000 && mp.getConnectionStatus() !== pp.ConnectionStatus.CONNECTION_CONNECTED; i++) {
        mp.poll();
        await tick();
      }
      const id = mp.getUniqueId();
      mp.setTargetPeer(1);
      mp.putPacket(new TextEncoder().encode("hi server"));
      let reply = "";
      let from = 0;
      for (let i = 0; i < 1000 && !reply; i++) {
        mp.poll();
        if (mp.getAvailablePacketCount() > 0) {
          from = mp.getPacketPeer();
          reply = new TextDecoder().decode(mp.getPacket());
        }
        await tick();
      }
      mp.close();
      return { id, reply, from };
    }, url);
    assert.ok(r.id > 1, `unique id ${r.id}`);
    assert.deepEqual({ reply: r.reply, from: r.from }, { reply: "server got: hi server", from: 1 });
    assert.deepEqual(serverSide.mpPackets, [{ from: r.id, text: "hi server" }]);
  });

  test("Variant encoding, compression and StreamPeerBuffer in the page; ENet and TCP refuse with ERR_UNAVAILABLE", async () => {
    const r = await page.evaluate(async () => {
      const pp = (globalThis as unknown as { pp: typeof import("../../src/browser.ts") }).pp;
      const bytes = pp.varToBytes({ name: "ada", pos: new pp.Vector2(1.5, -2), list: [1, 2.5, "three"] });
      const back = pp.bytesToVar(bytes) as { name: string; pos: { x: number; y: number }; list: unknown[] };
      const text = new TextEncoder().encode("compress me ".repeat(100));
      const packed = pp.compress(text, pp.FileCompressionMode.COMPRESSION_ZSTD);
      const unpacked = pp.decompress(packed, text.length, pp.FileCompressionMode.COMPRESSION_ZSTD);
      const buf = new pp.StreamPeerBuffer();
      buf.put32(-5);
      buf.putUtf8String("héllo");
      buf.seek(0);
      const refusals: string[] = [];
      try {
        await new pp.ENetConnection().createHost(1);
      } catch (e) {
        refusals.push(`${(e as { code?: number }).code}: ${(e as Error).message}`);
      }
      try {
        await new pp.StreamPeerTCP().connectToHost("127.0.0.1", 9);
      } catch (e) {
        refusals.push(`${(e as { code?: number }).code}: ${(e as Error).message}`);
      }
      // No node:crypto in a page: RSA private-key operations refuse, EC keys work.
      const crypto = new pp.Crypto();
      try {
        crypto.generateRsa(2048);
      } catch (e) {
        refusals.push(`${(e as { code?: number }).code}: ${(e as Error).message}`);
      }
      const ec = crypto.generateEcdsa("P-256");
      const digest = new Uint8Array(32).fill(9);
      const ecSignatureVerifies = crypto.verify(pp.HashType.HASH_SHA256, digest, crypto.sign(pp.HashType.HASH_SHA256, digest, ec), ec);
      return {
        ecSignatureVerifies,
        size: bytes.length,
        back: { name: back.name, x: back.pos.x, y: back.pos.y, list: back.list },
        packedSmaller: packed.length < text.length,
        same: unpacked.length === text.length && unpacked.every((b, i) => b === text[i]),
        buf: [buf.get32(), buf.getUtf8String()],
        refusals,
        unavailable: pp.GodotError.ERR_UNAVAILABLE,
      };
    }, null);
    assert.deepEqual(r.back, { name: "ada", x: 1.5, y: -2, list: [1, 2.5, "three"] });
    assert.equal(r.packedSmaller, true);
    assert.equal(r.same, true);
    assert.deepEqual(r.buf, [-5, "héllo"]);
    assert.equal(r.refusals.length, 3);
    assert.match(r.refusals[0]!, new RegExp(`^${r.unavailable}: .*no UDP`));
    assert.match(r.refusals[2]!, new RegExp(`^${r.unavailable}: Crypto.generateRsa: .*node:crypto`));
    assert.equal(r.ecSignatureVerifies, true);
    assert.match(r.refusals[1]!, new RegExp(`^${r.unavailable}: .*no TCP`));
  });
});
