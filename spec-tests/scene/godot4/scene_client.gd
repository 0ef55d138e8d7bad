# A Godot 4.6 SceneMultiplayer client for the TS SceneMultiplayer server tests
# (spec-tests/scene/*.godot4.test.ts). User arguments (after --): url=ws://127.0.0.1:PORT
# secret=TEXT (sent with send_auth when the server starts authenticating us; the server's
# auth data "welcome" is what we accept) greet=1 (on seeing another client: hello + admin_only
# to it through the relay). It builds /root/Game (game.gd) and /root/Level/Spawner (a
# MultiplayerSpawner whose spawn_function makes a Node2D with a MultiplayerSynchronizer of
# position [spawn, always] and rotation [on change]) under /root/Level/Players, and whose
# spawnable scene 0 is res://player.tscn (a Node2D with a MultiplayerSynchronizer of position
# [spawn, always] and rotation [spawn, on change]), then connects.
# Once connected it adds /root/Level/Own/P<id>, a Node2D it is the authority of, with a
# synchronizer (position always, rotation on change) that replicates to the server.
# spawns=N: it also builds /root/Level/Mine (a MultiplayerSpawner into /root/Level/Made whose nodes are
# the same, with this client as their authority), takes its authority once connected and spawns N
# nodes through it to the server.
# Reports are JSON lines ("ev": ...); it quits 0 on a raw "bye" from the server, 3 on timeout.
extends Node

var PING_ARGS := [7, -100000, 5000000000, 1.25, 2.0, "héllo", &"sn", ^"A/B:c", Vector2(1.5, -2), Vector3i(1, 2, 3), Color(0.5, 0.25, 1, 1), [1, "x", [true]], {"k": 3, "s": "v"}, PackedByteArray([4, 5]), null]

var opts := {"url": "ws://127.0.0.1:9080", "secret": "", "greet": "0", "max_ms": "20000", "spawns": "0"}
var mine: MultiplayerSpawner
var game: Node
var players: Node
var started := 0
# The last position and rotation reported of each watched node (Players/Hero, Players/Knight, World).
var last_seen := {}

func report(d: Dictionary) -> void:
	print(JSON.stringify(d))

func _ready() -> void:
	for a in OS.get_cmdline_user_args():
		var eq := a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1)
	started = Time.get_ticks_msec()
	game = Node.new()
	game.set_script(load("res://game.gd"))
	game.name = "Game"
	game.main = self
	var level := Node.new()
	level.name = "Level"
	players = Node.new()
	players.name = "Players"
	level.add_child(players)
	var own := Node.new()
	own.name = "Own"
	level.add_child(own)
	# A node that is in the scene from the start (not spawned), the server its authority: its
	# synchronizer reaches us through the path cache (a path-based net id).
	var world := Node2D.new()
	world.name = "World"
	add_sync(world, true)
	level.add_child(world)
	var spawner := MultiplayerSpawner.new()
	spawner.name = "Spawner"
	spawner.spawn_function = _spawn_custom
	spawner.add_spawnable_scene("res://player.tscn")
	level.add_child(spawner)
	spawner.spawn_path = NodePath("../Players")
	spawner.spawned.connect(func(n): report({"ev": "spawned", "name": str(n.name), "position": var_to_str(n.position)}))
	spawner.despawned.connect(func(n): report({"ev": "despawned", "name": str(n.name)}))
	if int(opts["spawns"]) > 0:
		var made := Node.new()
		made.name = "Made"
		level.add_child(made)
		mine = MultiplayerSpawner.new()
		mine.name = "Mine"
		mine.spawn_function = _spawn_mine
		level.add_child(mine)
		mine.spawn_path = NodePath("../Made")
	get_tree().root.add_child.call_deferred(game)
	get_tree().root.add_child.call_deferred(level)
	_connect.call_deferred()

func _spawn_custom(data: Variant) -> Node:
	report({"ev": "spawn_data", "data": var_to_str(data)})
	var n := Node2D.new()
	add_sync(n, false)
	return n

# A MultiplayerSynchronizer named Sync under n: position [spawn, always], rotation [on change;
# in the spawn state when rotation_in_spawn].
func add_sync(n: Node2D, rotation_in_spawn: bool) -> void:
	var sync := MultiplayerSynchronizer.new()
	sync.name = "Sync"
	var cfg := SceneReplicationConfig.new()
	cfg.add_property(NodePath(".:position"))
	cfg.add_property(NodePath(".:rotation"))
	cfg.property_set_spawn(NodePath(".:rotation"), rotation_in_spawn)
	cfg.property_set_replication_mode(NodePath(".:rotation"), SceneReplicationConfig.REPLICATION_MODE_ON_CHANGE)
	sync.replication_config = cfg
	n.add_child(sync)

# A node of this client's own spawner: the client is its authority (synchronizer included), and its
# position, x = the spawn's number, travels in the spawn state.
func _spawn_mine(data: Variant) -> Node:
	var n := _spawn_custom(data) as Node2D
	n.position = Vector2(data["mine"], 100)
	n.set_multiplayer_authority(mine.get_multiplayer_authority())
	return n

func _connect() -> void:
	var mp := multiplayer as SceneMultiplayer
	if opts["secret"] != "":
		# Far beyond the server's own timeout: a refused client is to be dropped by the server (its
		# server_disconnected), not give up first on a loaded machine.
		mp.auth_timeout = 15.0
		mp.auth_callback = func(id: int, data: PackedByteArray) -> void:
			report({"ev": "auth_data", "from": id, "text": data.get_string_from_utf8()})
			if data.get_string_from_utf8() == "welcome":
				mp.complete_auth(id)
		mp.peer_authenticating.connect(func(id): mp.send_auth(id, opts["secret"].to_utf8_buffer()))
		mp.peer_authentication_failed.connect(func(id): report({"ev": "auth_failed", "id": id}))
	mp.peer_packet.connect(func(id, bytes): _on_raw(id, bytes))
	mp.connected_to_server.connect(_on_connected)
	mp.peer_connected.connect(_on_peer_connected)
	mp.server_disconnected.connect(func():
		report({"ev": "server_disconnected"})
		get_tree().quit(0))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client(opts["url"])
	mp.multiplayer_peer = peer
	report({"ev": "ready", "err": err})

func _on_connected() -> void:
	report({"ev": "connected", "id": multiplayer.get_unique_id()})
	# A node this client is the authority of: its synchronizer (path-based id) feeds the server.
	var me_id := multiplayer.get_unique_id()
	var me := Node2D.new()
	me.name = "P%d" % me_id
	me.position = Vector2(me_id % 1000, 5)
	me.rotation = 0.75
	add_sync(me, true)
	me.set_multiplayer_authority(me_id)
	get_tree().root.get_node("Level/Own").add_child(me)
	game.rpc_id(1, "ping", PING_ARGS[0], PING_ARGS[1], PING_ARGS[2], PING_ARGS[3], PING_ARGS[4], PING_ARGS[5], PING_ARGS[6], PING_ARGS[7], PING_ARGS[8], PING_ARGS[9], PING_ARGS[10], PING_ARGS[11], PING_ARGS[12], PING_ARGS[13], PING_ARGS[14])
	game.rpc_id(1, "ping", PackedByteArray([1, 2, 3]))
	(multiplayer as SceneMultiplayer).send_bytes(PackedByteArray([9, 8, 7]), 1)
	if mine:
		mine.set_multiplayer_authority(me_id)
		for i in int(opts["spawns"]):
			var n := mine.spawn({"mine": i})
			report({"ev": "spawned_mine", "name": str(n.name)})

func on_pong(args: Array, sender: int) -> void:
	var got := args.slice(0, PING_ARGS.size())
	if args[1] == null and args[0] is PackedByteArray:
		report({"ev": "pong_bytes", "from": sender, "hex": (args[0] as PackedByteArray).hex_encode()})
		return
	report({"ev": "pong", "from": sender, "same": var_to_str(got) == var_to_str(PING_ARGS), "args": var_to_str(got)})

func _on_peer_connected(id: int) -> void:
	report({"ev": "peer_connected", "id": id})
	if id != 1 and opts["greet"] == "1":
		game.rpc_id(id, "hello", multiplayer.get_unique_id())
		game.rpc_id(id, "admin_only")

func _on_raw(id: int, bytes: PackedByteArray) -> void:
	report({"ev": "raw", "from": id, "hex": bytes.hex_encode()})
	if bytes.get_string_from_utf8() == "bye":
		get_tree().quit(0)

func _process(_delta: float) -> void:
	if Time.get_ticks_msec() - started > int(opts["max_ms"]):
		report({"ev": "timeout"})
		get_tree().quit(3)
		return
	for watched in ["Hero", "Knight", "World"]:
		var n := (players.get_node_or_null(watched) if watched != "World" else players.get_node_or_null("../World")) as Node2D
		if n == null:
			continue
		var seen: Array = last_seen.get(watched, [Vector2.INF, INF])
		if n.position != seen[0]:
			seen[0] = n.position
			report({"ev": "position", "name": watched, "value": var_to_str(n.position)})
		if n.rotation != seen[1]:
			seen[1] = n.rotation
			report({"ev": "rotation", "name": watched, "value": n.rotation})
		last_seen[watched] = seen
