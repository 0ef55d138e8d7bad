/**
 * Serves index.html and the browser build of packetpeer (bundled on the fly with esbuild) on
 * PORT, and runs a WebSocketMultiplayerPeer server (Godot 4 protocol) on PORT + 1 that answers
 * every Variant a page sends with a Dictionary.
 * Run: npx tsx examples/browser/server.ts [port]      then open http://127.0.0.1:PORT/
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { WebSocketMultiplayerPeer } from "../../src/index.ts";

const port = Number(process.argv[2] ?? 8080);
if (!Number.isInteger(port) || port < 1 || port > 65534) {
  console.error(`not a port: ${JSON.stringify(process.argv[2])}\nusage: npx tsx examples/browser/server.ts [port]   (the multiplayer server takes port + 1)`);
  process.exit(2);
}
const cannotListen = (on: number, err: unknown): never => {
  console.error(`cannot listen on 127.0.0.1:${on}: ${(err as Error).message}`);
  process.exit(1);
};
const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const bundle = await build({ entryPoints: [here("../../src/browser.ts")], bundle: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "error" });
const js = bundle.outputFiles[0]!.text;
const html = readFileSync(here("index.html"));

const http = createServer((req, res) => {
  if (req.url === "/") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
  if (req.url === "/packetpeer.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(js);
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => http.once("error", (err) => cannotListen(port, err)).listen(port, "127.0.0.1", resolve));

const mp = new WebSocketMultiplayerPeer();
await mp.createServer(port + 1, "127.0.0.1").catch((err: unknown) => cannotListen(port + 1, err));
mp.addEventListener("peer_connected", (e) => console.log(`peer ${e.id} joined`));
console.log(`open http://127.0.0.1:${port}/  (multiplayer server on ws://127.0.0.1:${port + 1}/)`);

const timer = setInterval(() => {
  mp.poll();
  while (mp.getAvailablePacketCount() > 0) {
    const from = mp.getPacketPeer();
    const value = mp.getVar();
    console.log(`peer ${from}: ${JSON.stringify(value)}`);
    mp.setTargetPeer(from);
    mp.putVar({ echo: value, server: "packetpeer on Node", peers: mp.getPeerIds() });
  }
}, 16);
const stop = (): void => {
  clearInterval(timer);
  mp.close();
  http.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
