# Godot 4 client of examples/scene-chat/server.ts. Attach to a node named "Chat" directly
# under the root (/root/Chat), e.g. as an autoload named Chat.
extends Node

@export var url := "ws://127.0.0.1:9080"
@export var nickname := "godot"

func _ready() -> void:
	var peer := WebSocketMultiplayerPeer.new()
	# For ENet: var peer := ENetMultiplayerPeer.new(); peer.create_client("127.0.0.1", 9080)
	peer.create_client(url)
	var scene_mp := multiplayer as SceneMultiplayer
	scene_mp.auth_callback = _on_auth
	scene_mp.peer_authenticating.connect(func(id): scene_mp.send_auth(id, nickname.to_utf8_buffer()))
	multiplayer.multiplayer_peer = peer
	multiplayer.connected_to_server.connect(func(): rpc_id(1, "say", "hello from %s" % nickname))
	multiplayer.peer_connected.connect(func(id): print("peer ", id, " is here"))

func _on_auth(id: int, data: PackedByteArray) -> void:
	# The server greets us; we have nothing to check, so complete.
	(multiplayer as SceneMultiplayer).complete_auth(id)

@rpc("any_peer")
func say(_text: String) -> void:
	pass # Runs on the server only.

@rpc("authority")
func message(from: String, text: String) -> void:
	print("%s: %s" % [from, text])
