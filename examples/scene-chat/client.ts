/**
 * A TypeScript client of server.ts that does what client.gd does in Godot 4 (a bot, or a test):
 * authenticates with a nickname, calls `rpc_id(1, "say", text)` on /root/Chat, prints the
 * `message` RPCs the server sends, and leaves once its own line came back.
 * Run: npx tsx examples/scene-chat/client.ts [ws://127.0.0.1:9080 | enet://127.0.0.1:9080] [nickname] [text]
 */
import { ENetMultiplayerPeer, SceneMultiplayer, SceneMultiplayerEvent, WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/index.ts";

const [url = "ws://127.0.0.1:9080", nickname = "bot", text = "hello from a TypeScript bot"] = process.argv.slice(2);
let peer: MultiplayerPeer;
if (url.startsWith("enet://")) {
  const [address, port] = url.slice(7).split(":");
  const enet = new ENetMultiplayerPeer();
  await enet.createClient(address!, Number(port));
  peer = enet;
} else {
  const ws = new WebSocketMultiplayerPeer();
  await ws.createClient(url);
  peer = ws;
}

const mp = new SceneMultiplayer();
mp.authCallback = (id) => mp.completeAuth(id); // the server greets us; nothing to check
mp.addEventListener("peer_authenticating", (e) => mp.sendAuth((e as SceneMultiplayerEvent).id, new TextEncoder().encode(nickname)));
mp.addEventListener("connected_to_server", () => chat.rpcId(1, "say", text));
mp.addEventListener("connection_failed", () => {
  console.error(`could not join ${url}`);
  process.exit(1);
});

// The same RPC config as client.gd's @rpc annotations.
const chat = mp.node("/root/Chat");
chat.rpcConfig("say", { rpcMode: "any_peer" });
chat.rpcConfig("message", { rpcMode: "authority" });
let done = false;
chat.on("message", (from, line) => {
  console.log(`${String(from)}: ${String(line)}`);
  if (from === nickname && line === text) done = true;
});
mp.multiplayerPeer = peer;

const deadline = Date.now() + 10_000;
while (!done && Date.now() < deadline) {
  mp.poll();
  await new Promise((r) => setTimeout(r, 16));
}
peer.close();
process.exit(done ? 0 : 1);
