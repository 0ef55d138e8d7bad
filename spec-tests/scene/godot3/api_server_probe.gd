# A Godot 3.2.3 MultiplayerAPI server that prints what the API answers at each step, for
# godot3-api.test.ts, which runs the same probe written against our SceneMultiplayer and compares
# the lines. Run: godot3-server --path spec-tests/scene/godot3 -s api_server_probe.gd -- transport=enet|ws port=N
# Clients (c1, c2, c3 in the order they are first seen) send raw packets: "kick" makes the server
# disconnect the sender (disconnect_peer(id)), "kicknow" too with now = true (ENet), "close" closes
# the server. Each line is one JSON object {"line": text}; peers are printed by name, sorted, with
# whether get_network_connected_peers() listed them in ascending ID order.
extends SceneTree

const Net = preload("res://net.gd")

var opts = {"transport": "enet", "port": "7777", "max_ms": "15000"}
var started = 0
var setup_done = false
var peer
var names = {}
var closed_at = -1

func sym(id):
	if id == 0 or id == 1:
		return str(id)
	if not names.has(id):
		names[id] = "c%d" % (names.size() + 1)
	return names[id]

func state():
	var ids = get_network_connected_peers()
	var ps = []
	var ascending = true
	for i in range(ids.size()):
		ps.append(sym(ids[i]))
		if i > 0 and ids[i - 1] > ids[i]:
			ascending = false
	ps.sort()
	return "peers=%s ascending=%s uid=%s status=%d server=%s sender=%s" % [PoolStringArray(ps).join(","), str(ascending).to_lower(), sym(get_network_unique_id()), network_peer.get_connection_status(), str(is_network_server()).to_lower(), sym(get_rpc_sender_id())]

func say(what):
	print(JSON.print({"line": what + " | " + state()}))

func _init():
	Net.read_args(opts)
	started = OS.get_ticks_msec()

func setup():
	var opened = Net.open_peer(opts, "server")
	peer = opened[0]
	var err = opened[1]
	network_peer = peer
	connect("network_peer_connected", self, "_on_connected")
	connect("network_peer_disconnected", self, "_on_disconnected")
	connect("connected_to_server", self, "_on_signal", ["connected_to_server"])
	connect("connection_failed", self, "_on_signal", ["connection_failed"])
	connect("server_disconnected", self, "_on_signal", ["server_disconnected"])
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	say("setup err=%d" % err)
	print(JSON.print({"ev": "ready"}))

func _on_connected(id):
	say("network_peer_connected %s" % sym(id))

func _on_disconnected(id):
	say("network_peer_disconnected %s" % sym(id))

func _on_signal(name):
	say(name)

func _on_packet(id, packet):
	var text = packet.get_string_from_utf8()
	say("network_peer_packet %s from %s" % [text, sym(id)])
	if text == "kick":
		peer.disconnect_peer(id)
		say("after disconnect_peer")
	elif text == "kicknow":
		peer.disconnect_peer(id, true)
		say("after disconnect_peer now")
	elif text == "close":
		if opts["transport"] == "enet":
			peer.close_connection()
		else:
			peer.stop()
		say("after close")
		closed_at = OS.get_ticks_msec()

func _idle(_delta):
	if not setup_done:
		setup_done = true
		setup()
	if closed_at >= 0 and OS.get_ticks_msec() - closed_at > 300:
		say("after")
		print(JSON.print({"ev": "done"}))
		quit()
	elif OS.get_ticks_msec() - started > int(opts["max_ms"]):
		print(JSON.print({"ev": "timeout"}))
		quit()
	return false
