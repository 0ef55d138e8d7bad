// Public surface of src/multiplayer: re-exports only. Wire framing helpers (Godot 3's
// ENet and WebSocket message layouts) stay internal: import them from their files.
export {
  MultiplayerPeer,
  MultiplayerPeerEvent,
  TransferMode,
  ConnectionStatus,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  type MultiplayerDropCounters,
  type MultiplayerPeerListener,
  type MultiplayerProtocol,
  type MultiplayerProtocolOptions,
} from "./multiplayer-peer.ts";
export { ENetMultiplayerPeer, type ENetMultiplayerOptions, type ENetMultiplayerPeerOptions } from "./enet-multiplayer.ts";
export { WebSocketMultiplayerPeer, type WebSocketMultiplayerPeerOptions } from "./websocket-multiplayer.ts";
export { OfflineMultiplayerPeer } from "./offline-multiplayer-peer.ts";
