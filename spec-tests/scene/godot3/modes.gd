# Godot 3.2.3's RPC/RSET modes, for godot3-modes.test.ts: as server (the master of /root/Modes)
# or client (a puppet), once connected it calls rpc(m_<mode>, who) and rset(v_<mode>, who) for
# every mode, to everyone, to the other side by ID, to itself and to everyone but the other side
# (-ID), and prints what ran here: {"ran": "call m_master", "value": "server:all", "sender":
# "self|peer"} (the sender for calls only). Its last call is fin on the other side; it quits once it
# got the other side's fin, at least max_ms after firing.
# Run: godot3-server --path spec-tests/scene/godot3 -s modes.gd -- transport=enet|ws role=server|client port=N
extends SceneTree

const Net = preload("res://net.gd")

const MODES = ["remote", "master", "puppet", "remotesync", "mastersync", "puppetsync"]
var opts = {"transport": "enet", "role": "server", "host": "127.0.0.1", "port": "7777", "max_ms": "300"}
var setup_done = false
var node
var connected_at = -1
var fin_seen = false
var started = 0

func ran(what, value):
	var sender = get_rpc_sender_id()
	var who = "self" if sender == get_network_unique_id() else "peer"
	print(JSON.print({"ran": what, "value": value, "sender": who if what.begins_with("call") else ""}))

func _init():
	Net.read_args(opts)
	started = OS.get_ticks_msec()

func setup():
	node = Node.new()
	node.set_script(load("res://modes_node.gd"))
	node.name = "Modes"
	node.main = self
	root.add_child(node)
	var opened = Net.open_peer(opts, opts["role"])
	var peer = opened[0]
	var err = opened[1]
	network_peer = peer
	connect("network_peer_connected", self, "_on_connected")
	print(JSON.print({"ev": "ready", "err": err}))

func _on_connected(id):
	if opts["role"] == "server" or id == 1:
		call_deferred("fire", id)

func fire(other):
	connected_at = OS.get_ticks_msec()
	var me = opts["role"]
	for m in MODES:
		node.rpc("m_" + m, me + ":all")
		node.rpc_id(other, "m_" + m, me + ":id")
		node.rpc_id(get_network_unique_id(), "m_" + m, me + ":self")
		node.rpc_id(-other, "m_" + m, me + ":notother")
		node.rset("v_" + m, me + ":all")
		node.rset_id(other, "v_" + m, me + ":id")
	node.rpc_id(other, "fin")
	print(JSON.print({"ev": "fired"}))

func _idle(_delta):
	if not setup_done:
		setup_done = true
		setup()
	if connected_at >= 0 and fin_seen and OS.get_ticks_msec() - connected_at > int(opts["max_ms"]):
		print(JSON.print({"ev": "done"}))
		quit()
	elif OS.get_ticks_msec() - started > 15000:
		print(JSON.print({"ev": "timeout"}))
		quit()
	return false
