# A Godot 3.2.3 MultiplayerAPI client that prints what the API answers at each step, for
# godot3-api.test.ts, which runs the same probe written against our SceneMultiplayer and compares
# the lines. Run: godot3-server --path spec-tests/scene/godot3 -s api_probe.gd -- transport=enet|ws port=N
# The TS server (see the test) answers ping with pong; on a raw "join" a second client ("other") joins,
# the probe calls hello on it through the relay, the other answers with a raw "hi", the probe asks
# the server to make the other leave ("kick"), then to close ("close"). Each line is one JSON object
# {"line": text}; ids are printed as 0, 1, self (ours) or other.
extends SceneTree

const Net = preload("res://net.gd")

var opts = {"transport": "enet", "host": "127.0.0.1", "port": "7777", "max_ms": "15000"}
var started = 0
var setup_done = false
var probe
var peer
var other = -1
var ended_at = -1

func sym(id):
	if id == 0 or id == 1:
		return str(id)
	if network_peer != null and id == get_network_unique_id():
		return "self"
	if id == other:
		return "other"
	return "?"

func state():
	var ps = []
	for p in get_network_connected_peers():
		ps.append(sym(p))
	var status = -1
	if network_peer != null:
		status = network_peer.get_connection_status()
	return "peers=%s uid=%s status=%d sender=%s" % [PoolStringArray(ps).join(","), sym(get_network_unique_id()), status, sym(get_rpc_sender_id())]

func say(what):
	print(JSON.print({"line": what + " | " + state()}))

func _init():
	Net.read_args(opts)
	started = OS.get_ticks_msec()

func setup():
	probe = Node.new()
	probe.set_script(load("res://api_probe_node.gd"))
	probe.name = "Probe"
	probe.main = self
	root.add_child(probe)
	var opened = Net.open_peer(opts, "client")
	peer = opened[0]
	var err = opened[1]
	network_peer = peer
	connect("network_peer_connected", self, "_on_connected")
	connect("network_peer_disconnected", self, "_on_disconnected")
	connect("connected_to_server", self, "_on_connected_to_server")
	connect("connection_failed", self, "_on_connection_failed")
	connect("server_disconnected", self, "_on_server_disconnected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	say("setup err=%d" % err)

func _on_connected(id):
	if id != 1 and other == -1:
		other = id
	say("network_peer_connected %s" % sym(id))
	if id == other:
		probe.rpc_id(other, "hello")

func _on_disconnected(id):
	say("network_peer_disconnected %s" % sym(id))
	if id == other:
		multiplayer.send_bytes("close".to_utf8(), 1)

func _on_connected_to_server():
	say("connected_to_server")
	probe.rpc_id(1, "ping")

func _on_connection_failed():
	say("connection_failed")
	ended_at = OS.get_ticks_msec()

func _on_server_disconnected():
	say("server_disconnected")
	ended_at = OS.get_ticks_msec()

func _on_packet(id, packet):
	var text = packet.get_string_from_utf8()
	say("network_peer_packet %s from %s" % [text, sym(id)])
	if text == "hi":
		multiplayer.send_bytes("kick".to_utf8(), 1)

func pong():
	say("pong")
	multiplayer.send_bytes("join".to_utf8(), 1)

func _idle(_delta):
	if not setup_done:
		setup_done = true
		setup()
	if ended_at >= 0 and OS.get_ticks_msec() - ended_at > 300:
		say("after")
		print(JSON.print({"ev": "done"}))
		quit()
	elif OS.get_ticks_msec() - started > int(opts["max_ms"]):
		print(JSON.print({"ev": "timeout"}))
		quit()
	return false
