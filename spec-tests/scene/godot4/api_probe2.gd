# /root/Probe of scene-api.godot4.test.ts, second run: a Godot 4.6 SceneMultiplayer client that
# polls by hand (SceneTree.multiplayer_poll off) and prints, in order: its own auth timeout firing
# while the server has not completed (signals, peers, the peer's status), then, on a second
# connection, an RPC handler that replaces multiplayer_peer with an OfflineMultiplayerPeer while
# a second call waits in the old peer (what the old peer still holds afterwards).
# User argument: url=ws://127.0.0.1:PORT
extends Node

var mp: SceneMultiplayer
var url := ""
var old_peer: MultiplayerPeer
var phase := 1
var deadline := 0

func out(s: String) -> void:
	print(s)

@rpc("authority")
func leave(n: int) -> void:
	out("leave %d sender=%d" % [n, mp.get_remote_sender_id()])
	if n == 1:
		mp.multiplayer_peer = OfflineMultiplayerPeer.new()

func _ready() -> void:
	for a in OS.get_cmdline_user_args():
		if a.begins_with("url="):
			url = a.substr(4)
	deadline = Time.get_ticks_msec() + 15000
	get_tree().multiplayer_poll = false
	mp = multiplayer as SceneMultiplayer
	for s in ["peer_connected", "peer_disconnected", "peer_authenticating", "peer_authentication_failed"]:
		mp.connect(s, _on_peer_signal.bind(s))
	for s in ["connected_to_server", "connection_failed", "server_disconnected"]:
		mp.connect(s, _on_signal.bind(s))
	mp.auth_callback = _on_auth
	mp.auth_timeout = 0.3
	_connect()

func _connect() -> void:
	var peer := WebSocketMultiplayerPeer.new()
	peer.create_client(url)
	mp.multiplayer_peer = peer
	old_peer = peer

func _on_peer_signal(id: int, s: String) -> void:
	out("%s %d peers=%s pending=%s status=%d" % [s, id, mp.get_peers(), mp.get_authenticating_peers(), old_peer.get_connection_status()])

func _on_signal(s: String) -> void:
	out("%s peers=%s pending=%s status=%d" % [s, mp.get_peers(), mp.get_authenticating_peers(), old_peer.get_connection_status()])

func _on_auth(id: int, data: PackedByteArray) -> void:
	out("auth %d %s" % [id, data.get_string_from_utf8()])
	if phase == 1:
		out("send nope=%d complete=%d" % [mp.send_auth(1, "nope".to_utf8_buffer()), mp.complete_auth(1)])
	else:
		out("send secret=%d complete=%d" % [mp.send_auth(1, "secret".to_utf8_buffer()), mp.complete_auth(1)])

func _process(_delta: float) -> void:
	if Time.get_ticks_msec() > deadline:
		out("timeout")
		get_tree().quit(3)
		return
	if phase == 1:
		mp.poll()
		if old_peer.get_connection_status() == MultiplayerPeer.CONNECTION_DISCONNECTED and mp.get_authenticating_peers().is_empty():
			out("phase 1 over peers=%s uid=%d" % [mp.get_peers(), mp.get_unique_id()])
			phase = 2
			mp.auth_timeout = 0
			_connect()
	elif phase == 2:
		mp.poll()
		# The server and the relayed second client: whether the relay's announcement comes in the
		# poll that admits us or a later one is timing, so wait for both before going on.
		if mp.get_peers().has(1) and mp.get_peers().size() >= 2:
			out("ask double=%d" % mp.send_bytes("double".to_utf8_buffer(), 1))
			phase = 3
	elif phase == 3:
		# Both calls (and the path announcement) in the peer before SceneMultiplayer reads them.
		old_peer.poll()
		if old_peer.get_available_packet_count() >= 3:
			out("queued %d" % old_peer.get_available_packet_count())
			out("poll=%d" % mp.poll())
			out("after old_queued=%d offline=%s uid=%d peers=%s" % [old_peer.get_available_packet_count(), mp.multiplayer_peer is OfflineMultiplayerPeer, mp.get_unique_id(), mp.get_peers()])
			old_peer.close()
			out("done")
			get_tree().quit(0)
