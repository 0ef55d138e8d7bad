// What the randomized sweeps over the multiplayer peers share (lifecycle-sweep.ts here and
// spec-tests/scene/rpc-lifecycle-sweep.ts): the link a seed draws and peers whose IDs it replays.
import { PeerState } from "../../src/enet/enums.ts";
import { GodotError } from "../../src/errors.ts";
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer, type MultiplayerPeer, type MultiplayerProtocol } from "../../src/multiplayer/index.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import type { MemoryNetwork } from "../../src/transport/memory.ts";
import type { LinkOptions } from "../../src/transport/memory-link.ts";
import type { SeededRandom } from "../../src/util/prng.ts";

/** Which transport a sweep's peers use. */
export type PeerKind = "enet" | "websocket";

/** A seeded link: ENet meets loss up to 25 %, duplication, reordering and jitter; WebSocket's streams are reliable. */
export function drawLink(kind: PeerKind, rng: SeededRandom): LinkOptions {
  const latencyMs = 1 + rng.nextInt(30);
  const jitterMs = rng.nextInt(10);
  if (kind === "websocket") return { latencyMs, jitterMs };
  return { latencyMs, jitterMs, loss: [0, 0.02, 0.1, 0.25][rng.nextInt(4)]!, duplicate: rng.chance(0.3) ? 0.05 : 0, reorder: rng.chance(0.3) ? 0.1 : 0 };
}

/**
 * Makes multiplayer peers on `net` speaking `protocol`, whose unique IDs come from `idRng` (not the
 * CSPRNG), so a seed replays the same IDs.
 */
export function seededPeers(kind: PeerKind, net: MemoryNetwork, idRng: SeededRandom, protocol: MultiplayerProtocol = "godot4"): (address: string) => MultiplayerPeer {
  return (address) => {
    const options = { runtime: net.createRuntime(address), protocol };
    const peer = kind === "enet" ? new ENetMultiplayerPeer(options) : new WebSocketMultiplayerPeer(options);
    peer.generateUniqueId = (): number => 2 + idRng.nextInt(0x7ffffffd);
    return peer;
  };
}

/**
 * Is `result` the failure a send to the one peer `id` reports while `peer`'s link to it is already
 * going (closing, or its disconnect read by a flush) and poll() has not reported it gone? Ours
 * reports it (docs/godot-api.md: nothing fails silently); Godot returns OK and loses the packet.
 */
export function failedOnGoingLink(kind: PeerKind, peer: MultiplayerPeer | null, id: number, result: GodotError): boolean {
  if (kind === "enet") {
    if (result !== GodotError.ERR_UNCONFIGURED && result !== GodotError.FAILED) return false;
    return (peer as ENetMultiplayerPeer | null)?.getPeer(id)?.getState() !== PeerState.STATE_CONNECTED;
  }
  return result === GodotError.FAILED && (peer as WebSocketMultiplayerPeer | null)?.getPeer(id)?.getReadyState() !== WebSocketState.STATE_OPEN;
}
