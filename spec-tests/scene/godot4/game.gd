# /root/Game of the Godot 4.6 SceneMultiplayer interop runs (scene_client.gd). The TS server's
# stand-in node declares the same five methods, so method ids (sorted names) and the path-cache
# MD5 agree.
extends Node

var main # scene_client.gd, for report()

# Server-side only (the TS server runs it); declared here so the configs match.
@rpc("any_peer")
func ping(_a0 = null, _a1 = null, _a2 = null, _a3 = null, _a4 = null, _a5 = null, _a6 = null, _a7 = null, _a8 = null, _a9 = null, _a10 = null, _a11 = null, _a12 = null, _a13 = null, _a14 = null) -> void:
	pass

# The server echoes ping's arguments back.
@rpc("authority")
func pong(a0 = null, a1 = null, a2 = null, a3 = null, a4 = null, a5 = null, a6 = null, a7 = null, a8 = null, a9 = null, a10 = null, a11 = null, a12 = null, a13 = null, a14 = null) -> void:
	main.on_pong([a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14], multiplayer.get_remote_sender_id())

# Another client greets us through the server's relay.
@rpc("any_peer")
func hello(from_id: int) -> void:
	main.report({"ev": "hello", "from": multiplayer.get_remote_sender_id(), "claimed": from_id})

# Only the authority (the server, 1) may call this: a client calling it must be refused.
@rpc("authority")
func admin_only() -> void:
	main.report({"ev": "admin_only", "from": multiplayer.get_remote_sender_id()})

# The server's broadcast (call_local on its side).
@rpc("authority", "call_local")
func announce(text: String) -> void:
	main.report({"ev": "announce", "from": multiplayer.get_remote_sender_id(), "text": text})
