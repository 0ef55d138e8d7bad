/**
 * Godot 4's OfflineMultiplayerPeer: the peer a SceneMultiplayer holds until the program sets
 * another. It is the server (unique ID 1), always connected and alone: what is put goes nowhere
 * and nothing arrives. So an `rpc()` of a `call_local` method runs locally with no network, and
 * `isServer()` is true, as in Godot.
 */
import { GodotError } from "../errors.ts";
import { ConnectionStatus, MultiplayerPeer, TARGET_PEER_SERVER } from "./multiplayer-peer.ts";

export class OfflineMultiplayerPeer extends MultiplayerPeer {
  constructor() {
    super();
    this.uniqueId = TARGET_PEER_SERVER;
    this.status = ConnectionStatus.CONNECTION_CONNECTED;
  }

  poll(): void {}

  /** Does nothing: an offline peer stays connected, as Godot's. */
  close(): void {}

  /** Does nothing: an offline peer has no peers, as Godot's. */
  disconnectPeer(_id: number, _force = false): void {}

  isServer(): boolean {
    return true;
  }

  isServerRelaySupported(): boolean {
    return false;
  }

  /** Accepted and dropped (Godot's returns OK). */
  putPacket(_packet: Uint8Array): GodotError {
    return GodotError.OK;
  }

  override getMaxPacketSize(): number {
    return 0;
  }

  protected endSession(): void {}
}
