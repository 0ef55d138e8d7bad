# /root/Chat of client-bytes.godot4.test.ts: a Godot 4.6 SceneMultiplayer client that makes a fixed
# list of RPCs and raw sends to the server (peer 1) once connected, then quits. The test makes the
# same calls from our SceneMultiplayer client and compares the bytes the server receives.
extends Node

var frames_left := -1

func _ready() -> void:
	var url := ""
	for a in OS.get_cmdline_user_args():
		if a.begins_with("url="):
			url = a.substr(4)
	var peer := WebSocketMultiplayerPeer.new()
	peer.create_client(url)
	multiplayer.multiplayer_peer = peer
	multiplayer.connected_to_server.connect(_send_all)

@rpc("any_peer")
func say(_a = null, _b = null, _c = null, _d = null) -> void:
	pass

@rpc("any_peer", "call_remote", "unreliable_ordered", 3)
func move(_a = null) -> void:
	pass

func _send_all() -> void:
	var calls := [
		[],
		[true, false],
		[0, 1, -1, 255],
		[256, -32769, 2147483648, 1099511627776],
		[1.5, 2.0, -0.25, 3.0000001],
		["héllo", ""],
		[Vector2(1.5, -2), Vector3i(1, 2, 3), Color(0.5, 0.25, 1, 1), Rect2(1, 2, 3, 4)],
		[[1, "x", [2]], {"k": 1, "s": "v"}],
		[PackedByteArray([1, 2, 3])],
		[null],
		[&"sn", NodePath("A/B:c"), PackedStringArray(["a", "b"]), PackedInt32Array([7, -8])],
	]
	for args in calls:
		print("rpc ", multiplayer.rpc(1, self, "say", args))
	print("rpc ", multiplayer.rpc(1, self, "move", [Vector2(3, 4)]))
	print("raw ", (multiplayer as SceneMultiplayer).send_bytes(PackedByteArray([9, 8, 7]), 1))
	frames_left = 30

func _process(_delta: float) -> void:
	if frames_left > 0:
		frames_left -= 1
		if frames_left == 0:
			get_tree().quit(0)
