# A Godot 4 client of server.ts. Make a scene whose root is a Node named "Arena" with this script
# (it must be /root/Arena: the server's nodes and RPCs are at that path) and run it; the arrow keys
# steer, Enter shoots 60 units ahead. Command-line user arguments (after --) also work, for a
# headless run:
#   url=ws://127.0.0.1:9080   the server (enet://host:port for --enet servers)
#   name=godot token=letmein  what the client authenticates with
#   move=X,Y                  steer that way instead of the keyboard
#   shoot=X,Y@MS;X,Y@MS       shoot at X,Y that long after joining
#   quit_ms=MS                quit that long after joining
extends Node

# The player scene's script: the properties the server's synchronizers replicate.
const PLAYER_SCRIPT := """extends Node2D
var hp := 0
var score := 0
var move := Vector2.ZERO
"""

var opts := {"url": "ws://127.0.0.1:9080", "name": "godot", "token": "letmein", "move": "", "shoot": "", "quit_ms": "0"}
var player_script := GDScript.new()
var shots: Array = []
var joined_at := 0
var me: Node2D
var facing := Vector2.RIGHT

func _ready() -> void:
	for a in OS.get_cmdline_user_args():
		var eq := a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1)
	for s in String(opts["shoot"]).split(";", false):
		var at := s.split("@")
		shots.append({"at": _vec(at[0]), "ms": int(at[1]) if at.size() > 1 else 0})
	player_script.source_code = PLAYER_SCRIPT
	player_script.reload()
	var players := Node.new()
	players.name = "Players"
	add_child(players)
	var spawner := MultiplayerSpawner.new()
	spawner.name = "Spawner"
	spawner.spawn_function = _make_player
	add_child(spawner)
	spawner.spawn_path = NodePath("../Players")
	spawner.despawned.connect(func(n): print("lost %s" % n.name))
	var smp := multiplayer as SceneMultiplayer
	smp.auth_callback = func(id: int, _data: PackedByteArray): smp.complete_auth(id)
	smp.peer_authenticating.connect(func(id):
		smp.send_auth(id, var_to_bytes({"token": opts["token"], "name": opts["name"]})))
	smp.peer_authentication_failed.connect(func(_id): print("refused by the server"))
	multiplayer.connected_to_server.connect(func(): joined_at = Time.get_ticks_msec())
	multiplayer.server_disconnected.connect(func():
		print("the server closed the connection")
		get_tree().quit(1))
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

func _vec(s: String) -> Vector2:
	var xy := s.split(",")
	return Vector2(float(xy[0]), float(xy[1]))

# The server's custom spawn: the player with its two synchronizers, in server.ts's order. Sync is
# the server's; Input is the owning client's (its authority), so only that client sends it.
func _make_player(data: Dictionary) -> Node:
	var n := Node2D.new()
	n.set_script(player_script)
	var sync := MultiplayerSynchronizer.new()
	sync.name = "Sync"
	var cfg := SceneReplicationConfig.new()
	cfg.add_property(NodePath(".:position"))
	for p in [NodePath(".:hp"), NodePath(".:score")]:
		cfg.add_property(p)
		cfg.property_set_replication_mode(p, SceneReplicationConfig.REPLICATION_MODE_ON_CHANGE)
	sync.replication_config = cfg
	n.add_child(sync)
	var input := MultiplayerSynchronizer.new()
	input.name = "Input"
	var icfg := SceneReplicationConfig.new()
	icfg.add_property(NodePath(".:move"))
	input.replication_config = icfg
	input.set_multiplayer_authority(data["id"])
	n.add_child(input)
	if data["id"] == multiplayer.get_unique_id():
		me = n
		if opts["move"] != "":
			n.move = _vec(opts["move"])
	else:
		print("sees P%d (%s)" % [data["id"], data["name"]])
	return n

@rpc("any_peer")
func shoot(_at: Vector2) -> void:
	pass # Runs on the server only.

@rpc("authority")
func welcome(id: int, rules: Dictionary) -> void:
	print("joined as P%d %s" % [id, JSON.stringify(rules)])

@rpc("authority")
func hit(victim: int, hp: int, by: int) -> void:
	print("P%d hit P%d: hp %d" % [by, victim, hp])

func _process(_delta: float) -> void:
	if joined_at == 0:
		return
	var since := Time.get_ticks_msec() - joined_at
	if int(opts["quit_ms"]) > 0 and since > int(opts["quit_ms"]):
		if me != null:
			print("left at %d,%d with hp %d and score %d" % [roundi(me.position.x), roundi(me.position.y), me.hp, me.score])
		get_tree().quit(0)
		return
	while not shots.is_empty() and since >= shots[0]["ms"]:
		shoot.rpc_id(1, shots.pop_front()["at"])
	if me != null and opts["move"] == "":
		var steer := Input.get_vector("ui_left", "ui_right", "ui_up", "ui_down")
		me.move = steer
		if steer != Vector2.ZERO:
			facing = steer.normalized()
		if Input.is_action_just_pressed("ui_accept"):
			shoot.rpc_id(1, me.position + facing * 60)
