/**
 * A TypeScript client of server.ts that does what client.gd does in Godot 4 (a bot, or a test):
 * authenticates with a nickname, calls `rpc_id(1, "say", text)` on /root/Chat, prints the
 * `message` RPCs the server sends, and leaves once its own line came back.
 * Run: npx tsx examples/scene-chat/client.ts [ws://127.0.0.1:9080 | enet://127.0.0.1:9080] [nickname] [text]
 */
import { SceneMultiplayer } from "../../src/index.ts";
import { joinServer } from "../shared/join.ts";

const [url = "ws://127.0.0.1:9080", nickname = "bot", text = "hello from a TypeScript bot"] = process.argv.slice(2);
const peer = await joinServer(url);

const mp = new SceneMultiplayer();
mp.authCallback = (id) => mp.completeAuth(id); // the server greets us; nothing to check
mp.addEventListener("peer_authenticating", (e) => mp.sendAuth(e.id, new TextEncoder().encode(nickname)));
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
// ENet is UDP: a server that is not there gives no error, only silence.
if (!done) console.error(`no answer from ${url} within 10 s: is examples/scene-chat/server.ts running there?`);
peer.close();
process.exit(done ? 0 : 1);
