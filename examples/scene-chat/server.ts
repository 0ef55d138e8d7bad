/**
 * A chat/lobby server in TypeScript that Godot 4 clients join with SceneMultiplayer
 * (client.gd beside this file). Run: `npx tsx examples/scene-chat/server.ts [port] [--enet]`.
 *
 * - Clients authenticate with their nickname (auth_callback on both ends).
 * - A client calls `rpc_id(1, "say", text)` on /root/Chat; the server (the node's authority)
 *   broadcasts `rpc("message", nickname, text)` to everyone.
 * - The server relay is on (Godot's default), so clients also see each other (peer_connected).
 */
import { ENetMultiplayerPeer, SceneMultiplayer, WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/index.ts";

const port = Number(process.argv[2] ?? 9080);
const useEnet = process.argv.includes("--enet");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`not a port: ${JSON.stringify(process.argv[2])}\nusage: npx tsx examples/scene-chat/server.ts [port] [--enet]`);
  process.exit(2);
}

const peer: MultiplayerPeer = useEnet ? new ENetMultiplayerPeer() : new WebSocketMultiplayerPeer();
try {
  if (peer instanceof ENetMultiplayerPeer) {
    peer.setBindIp("127.0.0.1"); // Godot's default is "*", every interface
    await peer.createServer(port, 32);
  } else await (peer as WebSocketMultiplayerPeer).createServer(port, "127.0.0.1");
} catch (err) {
  // A NetError: ERR_ALREADY_IN_USE when another program has the port, ...
  console.error(`cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
  process.exit(1);
}

const mp = new SceneMultiplayer();
const names = new Map<number, string>();
const decoder = new TextDecoder();

// Authentication: the client sends its nickname; we accept 1..24 printable characters.
mp.authCallback = (id, data) => {
  const name = decoder.decode(data).trim();
  if (name.length < 1 || name.length > 24 || [...names.values()].includes(name)) return; // refused: times out
  names.set(id, name);
  mp.completeAuth(id);
};
mp.authTimeout = 5;
mp.addEventListener("peer_authenticating", (e) => mp.sendAuth(e.id, new TextEncoder().encode("welcome")));
mp.multiplayerPeer = peer;

// The same RPC config as client.gd's @rpc annotations (method ids come from the sorted names).
const chat = mp.node("/root/Chat");
chat.rpcConfig("say", { rpcMode: "any_peer" });
chat.rpcConfig("message", { rpcMode: "authority" });
chat.on("say", (text) => {
  const from = mp.getRemoteSenderId();
  const line = String(text).slice(0, 500);
  console.log(`${names.get(from)}: ${line}`);
  chat.rpc("message", names.get(from) ?? "?", line);
});

mp.addEventListener("peer_connected", (e) => {
  const id = e.id;
  chat.rpc("message", "server", `${names.get(id)} joined`);
});
mp.addEventListener("peer_disconnected", (e) => {
  const id = e.id;
  chat.rpc("message", "server", `${names.get(id)} left`);
  names.delete(id);
});

console.log(`chat server on ${useEnet ? "enet" : "ws"}://127.0.0.1:${port}`);
setInterval(() => mp.poll(), 16);
