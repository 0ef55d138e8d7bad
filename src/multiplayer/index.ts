// Public surface of src/multiplayer: re-exports only.
export {
  MultiplayerPeer,
  MultiplayerPeerEvent,
  TransferMode,
  ConnectionStatus,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  MAX_KNOWN_REMOTE_PEERS as MULTIPLAYER_MAX_KNOWN_REMOTE_PEERS,
  type MultiplayerDropCounters,
  type MultiplayerProtocol,
  type MultiplayerProtocolOptions,
} from "./multiplayer-peer.ts";
export { ENetMultiplayerPeer, type ENetMultiplayerOptions, type ENetMultiplayerPeerOptions } from "./enet-multiplayer.ts";
export { WebSocketMultiplayerPeer, DEFAULT_MAX_PENDING_PEERS as WEBSOCKET_MULTIPLAYER_DEFAULT_MAX_PENDING_PEERS, type WebSocketMultiplayerPeerOptions } from "./websocket-multiplayer.ts";
export {
  GODOT3_SYSCH_CONFIG,
  GODOT3_SYSCH_RELIABLE,
  GODOT3_SYSCH_UNRELIABLE,
  GODOT3_SYSCH_MAX,
  GODOT3_SYSMSG_ADD_PEER,
  GODOT3_SYSMSG_REMOVE_PEER,
  encodeGodot3EnetPacket,
  encodeGodot3EnetSysMsg,
} from "./godot3-enet-framing.ts";
export {
  GODOT3_WS_SYS_NONE,
  GODOT3_WS_SYS_ADD,
  GODOT3_WS_SYS_DEL,
  GODOT3_WS_SYS_ID,
  GODOT3_WS_PROTO_SIZE,
  encodeGodot3WsMessage,
  encodeGodot3WsSys,
} from "./godot3-websocket-framing.ts";
