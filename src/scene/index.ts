// Public surface of src/scene (SceneMultiplayer, Godot 4 protocol): re-exports only.
export { SCENE_MULTIPLAYER_EVENTS, SceneMultiplayer, SceneMultiplayerEvent, type AuthCallback, type SceneMultiplayerEventType, type SceneMultiplayerListener, type SceneMultiplayerOptions } from "./scene-multiplayer.ts";
export { SceneNode, type RpcHandler, type RsetSetter } from "./scene-node.ts";
export { RPCMode, Godot3RPCMode, type RpcConfig, type RpcConfigInput } from "./rpc-config.ts";
export {
  MultiplayerSpawner,
  MultiplayerSynchronizer,
  ReplicationMode,
  VisibilityUpdateMode,
  type ReplicatedPropertyInput,
  type VisibilityFilter,
  type SpawnerOptions,
  type SynchronizerOptions,
} from "./replication-nodes.ts";
export { type SceneDropCounters } from "./session.ts";
export { CUSTOM_SPAWN_SCENE_ID } from "./protocol.ts";
