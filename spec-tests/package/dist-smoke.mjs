// What an installed `packetpeer` gives a program, run against a build of dist/ (path: the first
// argument) on Node, Deno or Bun: the main entry (ENet and WebSocket with permessage-deflate over
// real loopback sockets, Variant, compression, certificates) and packetpeer/core. Prints
// "SMOKE OK <runtime>" or throws. Run by spec-tests/package/dist.test.ts.
const dir = globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2];
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const pp = await import(new URL(`file://${dir}/index.js`).href);
const core = await import(new URL(`file://${dir}/core.js`).href);
const te = new TextEncoder();
const td = new TextDecoder();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function check(ok, what) {
  if (!ok) throw new Error(`dist smoke on ${runtime}: ${what}`);
}
async function within(ms, what, step) {
  const end = Date.now() + ms;
  for (;;) {
    if (await step()) return;
    if (Date.now() > end) throw new Error(`dist smoke on ${runtime}: timed out: ${what}`);
    await sleep(2);
  }
}

// Variant and compression, through both entries.
for (const lib of [pp, core]) {
  const value = { name: "hero", hp: 7, at: new lib.Vector2(1.5, -2), tags: ["a", "b"] };
  const back = lib.bytesToVar(lib.varToBytes(value));
  check(back.name === "hero" && back.hp === 7 && back.at.x === 1.5 && back.tags[1] === "b", "Variant round trip");
  const text = te.encode("packetpeer ".repeat(200));
  for (const mode of [lib.FileCompressionMode.COMPRESSION_FASTLZ, lib.FileCompressionMode.COMPRESSION_DEFLATE, lib.FileCompressionMode.COMPRESSION_ZSTD, lib.FileCompressionMode.COMPRESSION_GZIP]) {
    const packed = lib.compress(text, mode);
    check(packed.length < text.length && td.decode(lib.decompress(packed, text.length, mode)) === td.decode(text), `compress mode ${mode}`);
  }
}
check(typeof core.ENetHostCore === "function" && typeof core.WebSocketConnectionCore === "function", "packetpeer/core exports the cores");
// A program importing both entries gets one copy of every class: values and errors made through
// one are understood by the other.
check(pp.StringName === core.StringName && pp.NetError === core.NetError && pp.registerRuntime === core.registerRuntime, "the two entries share their classes");
check(pp.bytesToVar(pp.varToBytes(new core.StringName("x"))) instanceof core.StringName, "a StringName of packetpeer/core through packetpeer");

// Certificates (the ASN.1 code bundled into dist/).
const crypto = new pp.Crypto();
const key = crypto.generateEcdsa();
const cert = crypto.generateSelfSignedCertificate(key, "CN=localhost");
const loaded = new pp.X509Certificate();
loaded.load(cert.saveToString());
check(loaded.saveToString() === cert.saveToString(), "certificate PEM round trip");
// RSA's private operation comes from the runtime's node:crypto, installed by the main entry: a
// bundler that drops that installation leaves RSA signing throwing ERR_UNAVAILABLE.
const rsa = crypto.generateRsa(1024);
const digest = new Uint8Array(32).fill(5);
const signature = crypto.sign(pp.HashType.HASH_SHA256, digest, rsa);
check(signature.length === 128 && crypto.verify(pp.HashType.HASH_SHA256, digest, signature, rsa), "RSA sign and verify");

// ENet over loopback UDP: connect, a reliable packet each way, disconnect.
const server = new pp.ENetConnection();
await server.createHostBound("127.0.0.1", 0, { maxPeers: 2, maxChannels: 2 });
const client = new pp.ENetConnection();
await client.createHost({ maxPeers: 1, maxChannels: 2 });
client.compress(pp.CompressionMode.RANGE_CODER);
server.compress(pp.CompressionMode.RANGE_CODER);
const peer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 2 });
let echoed = "";
await within(15_000, "ENet echo", async () => {
  for (let ev = server.poll(); ev.type !== pp.EventType.NONE; ev = server.poll()) {
    if (ev.type === pp.EventType.CONNECT) ev.peer.send(1, te.encode("hello from the server"), pp.PacketFlags.RELIABLE);
  }
  for (let ev = client.poll(); ev.type !== pp.EventType.NONE; ev = client.poll()) {
    if (ev.type === pp.EventType.RECEIVE) echoed = td.decode(ev.packet);
  }
  return echoed !== "";
});
check(echoed === "hello from the server" && peer.getState() === pp.PeerState.STATE_CONNECTED, "ENet packet");
client.destroy();
server.destroy();

// WebSocket over loopback TCP with permessage-deflate agreed.
const wsServer = new pp.WebSocketServer({ perMessageDeflate: true });
await wsServer.listen(0, "127.0.0.1");
const ws = new pp.WebSocketPeer();
ws.perMessageDeflate = true;
check(ws.connectToUrl(`ws://127.0.0.1:${wsServer.getLocalPort()}`) === pp.GodotError.OK, "connectToUrl");
let accepted = null;
let reply = "";
// Above the 1 KiB compression threshold, so both ends compress it.
const message = JSON.stringify({ say: "hello ".repeat(400) });
let sent = false;
await within(15_000, "WebSocket echo", async () => {
  accepted ??= wsServer.takeConnection();
  ws.poll();
  if (accepted) {
    accepted.poll();
    while (accepted.getAvailablePacketCount() > 0) accepted.sendText(td.decode(accepted.getPacket()));
  }
  if (!sent && ws.getReadyState() === pp.WebSocketState.STATE_OPEN) sent = ws.sendText(message) === pp.GodotError.OK;
  while (ws.getAvailablePacketCount() > 0) reply = td.decode(ws.getPacket());
  return reply !== "";
});
check(reply === message, "WebSocket echo");
check(ws.getExtensions().includes("permessage-deflate"), `permessage-deflate agreed: ${ws.getExtensions()}`);
check(ws.getStats().messagesCompressed === 1 && ws.getStats().messagesInflated === 1, `compressed both ways: ${JSON.stringify(ws.getStats())}`);
ws.close();
await wsServer.stop();
console.log(`SMOKE OK ${runtime}`);
if (globalThis.Deno) globalThis.Deno.exit(0);
else process.exit(0);
