# /root/Probe of scene-api.godot4.test.ts: a Godot 4.6 SceneMultiplayer client that prints what
# its public API answers in each state (offline, connecting, authenticating, connected, after the
# server left) and the signals it gets, in order. The test makes the same calls from our
# SceneMultiplayer client against the same TS server and compares the lines. Ids are printed as
# "self", "other" (a second client) or their number. User argument: url=ws://127.0.0.1:PORT
extends Node

var mp: SceneMultiplayer
var me := 0
var deadline := 0
var closing := false

func out(s: String) -> void:
	print(s)

func name_of(id: int) -> String:
	if id == 1 or id == 0:
		return str(id)
	if id == me:
		return "self"
	if id == -me:
		return "-self"
	return "other"

func names(ids: PackedInt32Array) -> String:
	var a := PackedStringArray()
	for id in ids:
		a.append(name_of(id))
	return ",".join(a)

@rpc("any_peer")
func ping(_a = null) -> void:
	out("ping sender=%s" % name_of(mp.get_remote_sender_id()))

@rpc("any_peer", "call_local")
func loc(_a = null) -> void:
	out("loc sender=%s" % name_of(mp.get_remote_sender_id()))

func _ready() -> void:
	var url := ""
	for a in OS.get_cmdline_user_args():
		if a.begins_with("url="):
			url = a.substr(4)
	deadline = Time.get_ticks_msec() + 15000
	mp = multiplayer as SceneMultiplayer
	me = 1
	out("offline uid=%d server=%s peers=[%s] has=%s sender=%d" % [mp.get_unique_id(), mp.is_server(), names(mp.get_peers()), mp.has_multiplayer_peer(), mp.get_remote_sender_id()])
	out("offline rpc_loc=%d" % rpc("loc"))
	out("offline rpc_id2=%d" % rpc_id(2, "ping"))
	out("offline send_bytes_all=%d send_bytes_1=%d send_bytes_empty=%d" % [mp.send_bytes(PackedByteArray([1])), mp.send_bytes(PackedByteArray([1]), 1), mp.send_bytes(PackedByteArray())])
	for s in ["peer_connected", "peer_disconnected", "peer_authenticating", "peer_authentication_failed"]:
		mp.connect(s, _on_peer_signal.bind(s))
	for s in ["connected_to_server", "connection_failed", "server_disconnected"]:
		mp.connect(s, _on_signal.bind(s))
	mp.peer_packet.connect(_on_packet)
	mp.auth_callback = _on_auth
	var peer := WebSocketMultiplayerPeer.new()
	peer.create_client(url)
	mp.multiplayer_peer = peer
	me = mp.get_unique_id()
	out("connecting status=%d server=%s peers=[%s] rpc=%d send_bytes=%d send_auth=%d complete_auth=%d pending=[%s]" % [peer.get_connection_status(), mp.is_server(), names(mp.get_peers()), rpc("loc"), mp.send_bytes(PackedByteArray([1])), mp.send_auth(1, PackedByteArray([1])), mp.complete_auth(1), names(mp.get_authenticating_peers())])

func _on_peer_signal(id: int, s: String) -> void:
	if me == 0:
		me = mp.get_unique_id()
	out("%s %s peers=[%s] pending=[%s]" % [s, name_of(id), names(mp.get_peers()), names(mp.get_authenticating_peers())])
	if s == "peer_authenticating":
		out("authenticating rpc_id1=%d send_bytes_1=%d" % [rpc_id(1, "ping"), mp.send_bytes(PackedByteArray([1]), 1)])
	if s == "peer_connected" and id != 1:
		_connected_calls()

func _on_signal(s: String) -> void:
	out("%s peers=[%s] pending=[%s]" % [s, names(mp.get_peers()), names(mp.get_authenticating_peers())])
	if s == "server_disconnected":
		closing = true

func _on_auth(id: int, data: PackedByteArray) -> void:
	me = mp.get_unique_id()
	out("auth id=%s data=%s sender=%d" % [name_of(id), data.get_string_from_utf8(), mp.get_remote_sender_id()])
	out("auth send_auth=%d send_auth_empty=%d send_auth_99=%d" % [mp.send_auth(1, "secret".to_utf8_buffer()), mp.send_auth(1, PackedByteArray()), mp.send_auth(99, PackedByteArray([1]))])
	out("auth complete=%d again=%d send_auth_after=%d" % [mp.complete_auth(1), mp.complete_auth(1), mp.send_auth(1, PackedByteArray([1]))])

func _connected_calls() -> void:
	out("connected rpc_id99=%d rpc_id_self=%d" % [rpc_id(99, "ping"), rpc_id(me, "ping")])
	out("connected rpc_id_self_loc=%d" % rpc_id(me, "loc"))
	out("connected rpc_id_neg_self_loc=%d" % rpc_id(-me, "loc"))
	out("connected rpc_unconfigured=%d sender=%d" % [rpc("_ready"), mp.get_remote_sender_id()])
	out("connected send_bytes_99=%d send_bytes_self=%d send_bytes_other=%d" % [mp.send_bytes(PackedByteArray([9, 9]), 99), mp.send_bytes(PackedByteArray([5]), me), mp.send_bytes(PackedByteArray([7]), _other())])
	out("connected rpc_loc=%d rpc_id_other=%d" % [rpc("loc", 1), rpc_id(_other(), "ping", 2)])

func _other() -> int:
	for id in mp.get_peers():
		if id != 1:
			return id
	return 0

func _on_packet(id: int, data: PackedByteArray) -> void:
	out("peer_packet from=%s data=%s sender=%s" % [name_of(id), data.hex_encode(), name_of(mp.get_remote_sender_id())])
	if data.hex_encode() == "ee":
		# The other client answered: ask the server to leave.
		out("ask close=%d" % mp.send_bytes("close".to_utf8_buffer(), 1))

func _process(_delta: float) -> void:
	if closing:
		closing = false
		var peer := mp.multiplayer_peer
		out("after uid=%d peers=[%s] pending=[%s] rpc=%d send_bytes=%d status=%d has=%s poll=%d" % [mp.get_unique_id(), names(mp.get_peers()), names(mp.get_authenticating_peers()), rpc("loc"), mp.send_bytes(PackedByteArray([1])), peer.get_connection_status(), mp.has_multiplayer_peer(), mp.poll()])
		mp.multiplayer_peer = null
		out("null uid=%d peers=[%s] rpc=%d send_bytes=%d has=%s poll=%d refusing=%s" % [mp.get_unique_id(), names(mp.get_peers()), rpc("loc"), mp.send_bytes(PackedByteArray([1])), mp.has_multiplayer_peer(), mp.poll(), mp.refuse_new_connections])
		out("done")
		get_tree().quit(0)
	elif Time.get_ticks_msec() > deadline:
		out("timeout")
		get_tree().quit(3)
