# A Godot 3.2.3 multiplayer node for interop tests: NetworkedMultiplayerENet or the WebSocket
# multiplayer peer (WebSocketServer/WebSocketClient with gd_mp_api), installed as the SceneTree's
# network_peer, exchanging packets through the PacketPeer API (put_packet / get_packet).
# The tree's MultiplayerAPI polling is switched off so packets reach get_packet() untouched.
# Run: godot3-server --path spec-tests/godot/multiplayer -s mp_node.gd -- transport=enet role=server port=7777
# Arguments (key=value after --):
#   transport=enet|ws   role=server|client   port=N   host=127.0.0.1   compression=0..4 (ENet)
#   greet=1     server: on peer_connected(id) send "greet:<id>" to that peer (reliable)
#               client: on connection_succeeded send "hello:<own id>" to the server
#   talk=1      client: on peer_connected(id) of another client send "to:<id>:from:<own id>" to it,
#               "all:<own id>" to everyone (0) and "notyou:<own id>" to -id
#   echo=1      on a packet whose text starts with "echo:", send it back to its sender (reliable)
#   mode=r|u|o  transfer mode for talk/greet/echo packets (reliable, unreliable, unreliable ordered)
#   max_ms=N    quit after N ms whatever happens (default 15000)
# A received packet "bye" makes the node close_connection() and quit; "kick:<id>" makes a server
# disconnect_peer(id). Every event is printed as one JSON line on stdout.
extends SceneTree

var peer
var opts = {"transport": "enet", "role": "server", "host": "127.0.0.1", "port": "7777", "compression": "0",
	"greet": "0", "talk": "0", "echo": "0", "mode": "r", "max_ms": "15000"}
var started = 0
var finished = false

func emit(d):
	print(JSON.print(d))

func to_hex(bytes):
	var s = ""
	for b in bytes:
		s += "%02x" % b
	return s

func _init():
	for a in OS.get_cmdline_args():
		var eq = a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1, a.length() - eq - 1)
	started = OS.get_ticks_msec()
	var err = OK
	if opts["transport"] == "enet":
		peer = NetworkedMultiplayerENet.new()
		peer.compression_mode = int(opts["compression"])
		if opts["role"] == "server":
			err = peer.create_server(int(opts["port"]), 8)
		else:
			err = peer.create_client(opts["host"], int(opts["port"]))
	else:
		if opts["role"] == "server":
			peer = WebSocketServer.new()
			peer.bind_ip = opts["host"]
			if opts.has("tls_cert"):
				# wss: Godot's own RSA key and self-signed certificate (CN only, as Godot makes
				# them); the certificate goes to the tls_cert path for the client to trust.
				var crypto = Crypto.new()
				var key = crypto.generate_rsa(2048)
				var cert = crypto.generate_self_signed_certificate(key, "CN=localhost,O=packetpeer,C=IT")
				cert.save(opts["tls_cert"])
				peer.private_key = key
				peer.ssl_certificate = cert
			err = peer.listen(int(opts["port"]), PoolStringArray(), true)
		else:
			peer = WebSocketClient.new()
			err = peer.connect_to_url("ws://%s:%s/" % [opts["host"], opts["port"]], PoolStringArray(), true)
	peer.connect("peer_connected", self, "_on_peer_connected")
	peer.connect("peer_disconnected", self, "_on_peer_disconnected")
	peer.connect("connection_succeeded", self, "_on_connection_succeeded")
	peer.connect("connection_failed", self, "_on_connection_failed")
	peer.connect("server_disconnected", self, "_on_server_disconnected")
	if err == OK:
		network_peer = peer
		multiplayer_poll = false
	emit({"ev": "ready", "role": opts["role"], "transport": opts["transport"], "err": err,
		"unique_id": peer.get_unique_id() if err == OK else 0})
	if err != OK:
		finished = true
		quit()

func mode_of(m):
	if m == "u":
		return NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE
	if m == "o":
		return NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED
	return NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE

func send_text(target, text, m):
	peer.transfer_mode = mode_of(m)
	peer.set_target_peer(target)
	var err = peer.put_packet(text.to_utf8())
	emit({"ev": "sent", "target": target, "text": text, "err": err})

func _on_peer_connected(id):
	emit({"ev": "peer_connected", "id": id, "unique_id": peer.get_unique_id()})
	if opts["role"] == "server" and opts["greet"] == "1":
		send_text(id, "greet:%d" % id, opts["mode"])
	if opts["role"] == "client" and opts["talk"] == "1" and id != 1:
		var me = peer.get_unique_id()
		send_text(id, "to:%d:from:%d" % [id, me], opts["mode"])
		send_text(0, "all:%d" % me, opts["mode"])
		send_text(-id, "notyou:%d" % me, opts["mode"])

func _on_peer_disconnected(id):
	emit({"ev": "peer_disconnected", "id": id})

func _on_connection_succeeded():
	emit({"ev": "connection_succeeded", "unique_id": peer.get_unique_id()})
	if opts["greet"] == "1":
		send_text(1, "hello:%d" % peer.get_unique_id(), opts["mode"])

func _on_connection_failed():
	emit({"ev": "connection_failed"})
	finish()

func _on_server_disconnected():
	emit({"ev": "server_disconnected"})
	finish()

func finish():
	if finished:
		return
	finished = true
	emit({"ev": "exit"})
	quit()

func _idle(_delta):
	if finished:
		return true
	if OS.get_ticks_msec() - started > int(opts["max_ms"]):
		emit({"ev": "error", "msg": "max_ms reached"})
		finish()
		return true
	if peer.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED and opts["transport"] == "enet":
		return false
	peer.poll()
	while not finished and peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var ch = -1
		if peer.has_method("get_packet_channel"):
			ch = peer.get_packet_channel()
		var bytes = peer.get_packet()
		var text = bytes.get_string_from_utf8()
		emit({"ev": "receive", "from": from, "ch": ch, "len": bytes.size(), "text": text, "hex": to_hex(bytes) if bytes.size() <= 64 else ""})
		if text == "bye":
			emit({"ev": "closing"})
			if opts["transport"] == "enet":
				peer.close_connection()
			elif opts["role"] == "server":
				peer.stop()
			else:
				peer.disconnect_from_host()
			finish()
			return true
		if text.begins_with("kick:") and opts["role"] == "server":
			var who = int(text.substr(5, text.length() - 5))
			emit({"ev": "kicking", "id": who})
			if opts["transport"] == "enet":
				peer.disconnect_peer(who, true)
			else:
				peer.disconnect_peer(who)
		if text.begins_with("echo:") and opts["echo"] == "1":
			send_text(from, text, opts["mode"])
	OS.delay_msec(1)
	return false
