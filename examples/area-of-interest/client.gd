# A Godot 4 client of server.ts. Make a scene whose root is a Node named "World" with this script
# (it must be /root/World: the server's nodes and RPCs are at that path), run it, and walk with the
# arrow keys. The server spawns every player you can see under World/Players and despawns the ones
# that walk out of range. Command-line user arguments (after --) also work, for a headless run:
#   url=ws://127.0.0.1:9080   the server (enet://host:port for --enet servers)
#   goto=X,Y@MS;X,Y@MS        waypoints instead of the keyboard, MS after joining
#   quit_ms=MS                quit that long after joining
# Prints one line per player coming into view ("sees P<id>") or leaving it ("lost P<id>").
extends Node

const SPEED := 400.0

var opts := {"url": "ws://127.0.0.1:9080", "goto": "", "quit_ms": "0"}
var players := Node.new()
var joined_at := 0
var waypoints: Array = []
var me: Node2D

func _ready() -> void:
	for a in OS.get_cmdline_user_args():
		var eq := a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1)
	for w in String(opts["goto"]).split(";", false):
		var at := w.split("@")
		var xy := at[0].split(",")
		waypoints.append({"to": Vector2(float(xy[0]), float(xy[1])), "ms": int(at[1]) if at.size() > 1 else 0})
	players.name = "Players"
	add_child(players)
	var spawner := MultiplayerSpawner.new()
	spawner.name = "Spawner"
	spawner.spawn_function = _make_player
	add_child(spawner)
	spawner.spawn_path = NodePath("../Players")
	spawner.spawned.connect(func(n):
		if n.name == "P%d" % multiplayer.get_unique_id():
			me = n
		else:
			print("P%d sees %s" % [multiplayer.get_unique_id(), n.name]))
	spawner.despawned.connect(func(n): print("P%d lost %s" % [multiplayer.get_unique_id(), n.name]))
	multiplayer.connected_to_server.connect(func():
		joined_at = Time.get_ticks_msec()
		print("joined as P%d" % multiplayer.get_unique_id()))
	multiplayer.server_disconnected.connect(func(): get_tree().quit(1))
	var url: String = opts["url"]
	if url.begins_with("enet://"):
		var hp := url.substr(7).split(":")
		var enet := ENetMultiplayerPeer.new()
		enet.create_client(hp[0], int(hp[1]))
		multiplayer.multiplayer_peer = enet
	else:
		var ws := WebSocketMultiplayerPeer.new()
		ws.create_client(url)
		multiplayer.multiplayer_peer = ws

# The server's custom spawn: a player node with a synchronizer of its position (spawn and always),
# as server.ts declares it.
func _make_player(_id: Variant) -> Node:
	var n := Node2D.new()
	var sync := MultiplayerSynchronizer.new()
	sync.name = "Sync"
	var cfg := SceneReplicationConfig.new()
	cfg.add_property(NodePath(".:position"))
	sync.replication_config = cfg
	n.add_child(sync)
	return n

# Runs on the server only; declared here so that both ends agree on the RPC config.
@rpc("any_peer")
func move_to(_to: Vector2) -> void:
	pass

func _process(delta: float) -> void:
	if joined_at == 0:
		return
	var since := Time.get_ticks_msec() - joined_at
	if int(opts["quit_ms"]) > 0 and since > int(opts["quit_ms"]):
		get_tree().quit(0)
		return
	if not waypoints.is_empty():
		while not waypoints.is_empty() and since >= waypoints[0]["ms"]:
			move_to.rpc_id(1, waypoints.pop_front()["to"])
	elif me != null:
		var step := Input.get_vector("ui_left", "ui_right", "ui_up", "ui_down") * SPEED * delta
		if step != Vector2.ZERO:
			move_to.rpc_id(1, me.position + step)
