/**
 * SceneMultiplayer's wire constants (Godot 4.6, modules/multiplayer/scene_multiplayer.h,
 * scene_rpc_interface.cpp, scene_replication_interface.cpp). Every packet starts with a
 * command byte: the command in the low 3 bits, command-specific flags in the high 4.
 */

/** SceneMultiplayer::NetworkCommands. */
export enum NetworkCommand {
  REMOTE_CALL = 0,
  SIMPLIFY_PATH = 1,
  CONFIRM_PATH = 2,
  RAW = 3,
  SPAWN = 4,
  DESPAWN = 5,
  SYNC = 6,
  SYS = 7,
}

/** SceneMultiplayer::SysCommands (second byte of a SYS packet). */
export enum SysCommand {
  AUTH = 0,
  ADD_PEER = 1,
  DEL_PEER = 2,
  RELAY = 3,
}

/** Command + sys command + int32 peer id. */
export const SYS_CMD_SIZE = 6;
export const CMD_MASK = 0x07;
export const CMD_FLAG_0_SHIFT = 4;
export const CMD_FLAG_2_SHIFT = 6;
export const CMD_FLAG_3_SHIFT = 7;

/** RPC meta byte: node id size in bits 4-5, method id size in bit 6, "bytes only or no args" in bit 7. */
export const NODE_ID_COMPRESSION_SHIFT = CMD_FLAG_0_SHIFT;
export const NAME_ID_COMPRESSION_SHIFT = CMD_FLAG_2_SHIFT;
export const BYTE_ONLY_OR_NO_ARGS_FLAG = 1 << CMD_FLAG_3_SHIFT;
export const NODE_ID_COMPRESSION_MASK = 3 << NODE_ID_COMPRESSION_SHIFT;
export const NAME_ID_COMPRESSION_FLAG = 1 << NAME_ID_COMPRESSION_SHIFT;

export const NETWORK_NODE_ID_COMPRESSION_8 = 0;
export const NETWORK_NODE_ID_COMPRESSION_16 = 1;
export const NETWORK_NODE_ID_COMPRESSION_32 = 2;

/** A node id with this bit set is an offset to the node path appended to the packet (path not yet confirmed). */
export const NODE_PATH_FLAG = 0x80000000;
/** Method ids of a node's own (native) RPC config have this bit; script (@rpc) configs do not. */
export const NATIVE_RPC_ID_FLAG = 1 << 15;

/** SIMPLIFY_PATH: command, 32 hex digits + NUL, uint32 cache id, then the path (NUL-terminated). */
export const SIMPLIFY_PATH_MIN_SIZE = 38;
export const CONFIRM_PATH_SIZE = 6;

/** SYNC's delta flag (CMD_FLAG_0); a full sync carries a uint16 network time after the command. */
export const SYNC_DELTA_FLAG = 1 << CMD_FLAG_0_SHIFT;
export const SYNC_MIN_SIZE = 11;
export const SPAWN_MIN_SIZE = 18;
export const DESPAWN_SIZE = 5;
/** MultiplayerSpawner::INVALID_ID: the scene id of a custom (spawn_function) spawn. */
export const CUSTOM_SPAWN_SCENE_ID = 0xff;

/** SceneReplicationInterface defaults (max_sync_packet_size / max_delta_packet_size) and their floor. */
export const DEFAULT_SYNC_MTU = 1350;
export const DEFAULT_DELTA_MTU = 65535;
export const MIN_SYNC_MTU = 128;

/** SceneMultiplayer's auth_timeout default (seconds). */
export const DEFAULT_AUTH_TIMEOUT = 3;
