/**
 * Loopback throughput of the multiplayer peers (not a test; run by hand):
 *   node --import tsx spec-tests/multiplayer/measure-throughput.ts [packets] [bytes]
 * One client streams reliable packets to the server, which relays each to a second client
 * (Godot 3 mode: the server's own relay; Godot 4 mode: the application re-sends).
 */
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer, ConnectionStatus, type MultiplayerPeer } from "../../src/multiplayer/index.ts";

const N = Number(process.argv[2] ?? 20000);
const SIZE = Number(process.argv[3] ?? 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(peers: MultiplayerPeer[], done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    for (const p of peers) p.poll();
    if (Date.now() > end) throw new Error("timed out");
    await sleep(0);
  }
}

async function run(kind: "enet" | "ws", protocol: "godot4" | "godot3"): Promise<void> {
  const make = (): MultiplayerPeer => (kind === "enet" ? new ENetMultiplayerPeer({ protocol }) : new WebSocketMultiplayerPeer({ protocol }));
  const server = make();
  const a = make();
  const b = make();
  if (server instanceof ENetMultiplayerPeer) {
    server.setBindIp("127.0.0.1");
    await server.createServer(0, 4);
    const port = server.host!.getLocalPort();
    await (a as ENetMultiplayerPeer).createClient("127.0.0.1", port);
    await (b as ENetMultiplayerPeer).createClient("127.0.0.1", port);
  } else {
    const ws = server as WebSocketMultiplayerPeer;
    ws.maxQueuedPackets = 1 << 20;
    ws.outboundBufferSize = 1 << 26;
    ws.inboundBufferSize = 1 << 26;
    for (const c of [a, b] as WebSocketMultiplayerPeer[]) {
      c.maxQueuedPackets = 1 << 20;
      c.outboundBufferSize = 1 << 26;
      c.inboundBufferSize = 1 << 26;
    }
    await ws.createServer(0, "127.0.0.1");
    await (a as WebSocketMultiplayerPeer).createClient(`ws://127.0.0.1:${ws.getLocalPort()}/`);
    await (b as WebSocketMultiplayerPeer).createClient(`ws://127.0.0.1:${ws.getLocalPort()}/`);
  }
  const all = [server, a, b];
  await until(all, () => all.every((p) => p.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED) && (protocol === "godot4" || (kind === "enet" ? (a as ENetMultiplayerPeer).getPeerIds().length === 2 : (a as WebSocketMultiplayerPeer).getPeerIds().length === 2)), 5000);
  const payload = new Uint8Array(SIZE).fill(7);
  const bId = b.getUniqueId();
  a.setTargetPeer(protocol === "godot3" ? bId : 1);
  server.setTargetPeer(bId);
  let received = 0;
  const t0 = performance.now();
  let sent = 0;
  await until(all, () => {
    for (let i = 0; i < 500 && sent < N; i++, sent++) a.putPacket(payload);
    if (protocol === "godot4") while (server.getAvailablePacketCount() > 0) server.putPacket(server.getPacket());
    while (b.getAvailablePacketCount() > 0) {
      b.getPacket();
      received++;
    }
    return received === N;
  }, 60000);
  const ms = performance.now() - t0;
  console.log(`${kind} ${protocol}: ${N} x ${SIZE} B relayed a -> server -> b in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)} packets/s`);
  for (const p of all) p.close();
  await sleep(20);
}

for (const kind of ["enet", "ws"] as const) for (const protocol of ["godot4", "godot3"] as const) await run(kind, protocol);
