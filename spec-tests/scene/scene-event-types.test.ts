/**
 * The signal listeners of SceneMultiplayer and the multiplayer peers are typed by event name:
 * `mp.addEventListener("peer_connected", (e) => e.id)` compiles without a cast, because the
 * event is always a SceneMultiplayerEvent / MultiplayerPeerEvent. Without the overloads every
 * user program (and every example) had to write `(e as SceneMultiplayerEvent).id`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { MultiplayerPeerEvent } from "../../src/multiplayer/index.ts";
import { drive, world } from "./support.ts";
import { typeCheckSkip, typeErrors } from "../support/type-check.ts";

test("listeners written without casts receive the typed events at run time", async () => {
  const w = await world(1);
  try {
    const [client] = w.clients;
    const serverSaw: number[] = [];
    const peerSaw: number[] = [];
    const clientSaw: string[] = [];
    const onConnected = (e: SceneMultiplayerEvent): void => {
      serverSaw.push(e.id);
    };
    w.server.addEventListener("peer_connected", onConnected);
    w.server.multiplayerPeer!.addEventListener("peer_connected", (e) => peerSaw.push(e.id));
    client!.addEventListener("connected_to_server", { handleEvent: (e) => clientSaw.push(`${e.type}:${e.id}`) });
    client!.addEventListener("peer_packet", (e) => clientSaw.push(`packet:${e.id}:${e.packet?.length}`));
    await drive(w, () => serverSaw.length === 1 && clientSaw.length === 1, "the connection");
    assert.equal(w.server.sendBytes(new Uint8Array([1, 2, 3]), client!.getUniqueId()), 0);
    await drive(w, () => clientSaw.length === 2, "the packet");
    assert.deepEqual(serverSaw, [client!.getUniqueId()]);
    assert.deepEqual(peerSaw, [client!.getUniqueId()]);
    assert.deepEqual(clientSaw, ["connected_to_server:0", "packet:1:3"]);
    w.server.removeEventListener("peer_connected", onConnected);
  } finally {
    w.net.close();
  }
});

test("addEventListener / removeEventListener are typed by event name (strict tsc, no casts)", { skip: typeCheckSkip, timeout: 120_000 }, () => {
  const code = `
import { SceneMultiplayer, WebSocketMultiplayerPeer, ENetMultiplayerPeer, type MultiplayerPeer, type SceneMultiplayerListener, type MultiplayerPeerListener } from "PACKETPEER";
const mp = new SceneMultiplayer();
mp.addEventListener("peer_connected", (e) => { const id: number = e.id; void id; });
mp.addEventListener("peer_packet", (e) => { const p: Uint8Array | null = e.packet; void p; });
mp.addEventListener("rpc_error", { handleEvent(e) { const m: string | null = e.method; const err: unknown = e.error; void m; void err; } });
const l: SceneMultiplayerListener = (e) => { const id: number = e.id; void id; };
mp.addEventListener("peer_disconnected", l, { once: true });
mp.removeEventListener("peer_disconnected", l);
mp.addEventListener("not_a_signal", (e: Event) => { void e; });
const peers: MultiplayerPeer[] = [new WebSocketMultiplayerPeer(), new ENetMultiplayerPeer()];
const pl: MultiplayerPeerListener = (e) => { const id: number = e.id; void id; };
for (const p of peers) {
  p.addEventListener("peer_connected", (e) => { const id: number = e.id; void id; });
  p.addEventListener("peer_disconnected", pl);
  p.removeEventListener("peer_disconnected", pl);
}
new WebSocketMultiplayerPeer().addEventListener("peer_disconnected", (e) => { const id: number = e.id; void id; });
`;
  assert.equal(typeErrors(code), "");
});
