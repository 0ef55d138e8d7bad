# A Godot 3.2.3 program using the high-level MultiplayerAPI (rpc/rset/send_bytes) with a
# /root/Game node (game.gd), for the SceneMultiplayer `protocol: "godot3"` interop tests.
# Run: godot3-server --path spec-tests/scene/godot3 -s mp_api.gd -- transport=enet role=server port=7777
#   transport=enet|ws  role=server|client  port=N  max_ms=N (quit after, default 15000)
# Server: on peer_connected(id): rpc_id(id, "welcome", id, Vector2(1.5, -2)), rset_id(id, "motd", "hi <id>"),
#   send_bytes([1,2,3,id&255]) to it. Client: on connection: rpc_id(1, "ping", <10 values>), rset_id(1, "score", 42),
#   send_bytes([9,8,7]) to 1; on peer_connected(other client): rpc_id(other, "hello", own id), and
#   rpc_id(other, "admin_only") which the other must refuse. Raw packets are printed; a raw packet "bye"
#   makes it quit. Every event is one JSON line on stdout.
extends SceneTree

const Net = preload("res://net.gd")

var peer
var game
var opts = {"transport": "enet", "role": "server", "host": "127.0.0.1", "port": "7777", "max_ms": "15000"}
var started = 0
var setup_done = false

func emit(d):
	print(JSON.print(d))

func _init():
	Net.read_args(opts)
	started = OS.get_ticks_msec()

func setup():
	game = Node.new()
	game.set_script(load("res://game.gd"))
	game.name = "Game"
	game.main = self
	root.add_child(game)
	var opened = Net.open_peer(opts, opts["role"])
	peer = opened[0]
	var err = opened[1]
	if err == OK:
		network_peer = peer
	connect("network_peer_connected", self, "_on_peer_connected")
	connect("network_peer_disconnected", self, "_on_peer_disconnected")
	connect("connected_to_server", self, "_on_connected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	emit({"ev": "ready", "err": err, "unique_id": get_network_unique_id() if err == OK else 0})
	if err != OK:
		quit()

func _on_peer_connected(id):
	emit({"ev": "peer_connected", "id": id})
	if opts["role"] == "server":
		game.rpc_id(id, "welcome", id, Vector2(1.5, -2))
		game.rset_id(id, "motd", "hi %d" % id)
		multiplayer.send_bytes(PoolByteArray([1, 2, 3, id & 255]), id)
	elif id != 1:
		game.rpc_id(id, "hello", get_network_unique_id())
		game.rpc_id(id, "admin_only")

func _on_peer_disconnected(id):
	emit({"ev": "peer_disconnected", "id": id})

func _on_connected():
	emit({"ev": "connected", "id": get_network_unique_id()})
	game.rpc_id(1, "ping", 7, -100000, 1.25, "héllo", Vector2(1, 2), Color(0.5, 0.25, 1, 1), [1, "x"], {"k": 3}, PoolByteArray([4, 5]), null)
	game.rset_id(1, "score", 42)
	multiplayer.send_bytes(PoolByteArray([9, 8, 7]), 1)

func _on_packet(id, packet):
	emit({"ev": "raw", "from": id, "hex": packet.hex_encode()})
	if packet.get_string_from_utf8() == "bye":
		quit()

func _idle(_delta):
	if not setup_done:
		setup_done = true
		setup()
	if OS.get_ticks_msec() - started > int(opts["max_ms"]):
		emit({"ev": "timeout"})
		quit()
	return false
