# A Godot 3 NetworkedMultiplayerENet peer for interop tests and captures.
# Run: godot3-server --path spec-tests/godot/enet -s mp_peer.gd -- role=server port=7777 compression=1
# Arguments (key=value after --):
#   role=server|client   host=127.0.0.1   port=N   compression=0..4 (COMPRESS_NONE..COMPRESS_ZSTD)
#   channels=N (channel_count, default 3)   echo=1 (send every received packet back to its sender, reliably, same channel)
#   send=item,item,...   sent on connection (client: to the server; server: to the new peer). Items:
#       r:HEX reliable | u:HEX unreliable (unsequenced) | o:HEX unreliable ordered | p:LEN:SEED reliable pattern
#       (byte i = (SEED + 7i + (i >> 8)) & 255) | t:LEN:SEED reliable compressible text (byte i =
#       TEXT[(SEED + i + 3 * (i / 55)) % 55], TEXT below); append @CH to pick the transfer channel, e.g. r:6869@3
#   expect=N then=close|kick|stay   after N received packets: close_connection() / disconnect_peer(from) / keep going
#   max_ms=N   quit after N ms whatever happens (default 20000)
# Every event is printed as one JSON line on stdout.
extends SceneTree

var peer: NetworkedMultiplayerENet
var opts = {"role": "server", "host": "127.0.0.1", "port": "7777", "compression": "0", "channels": "3",
	"echo": "0", "send": "", "expect": "0", "then": "stay", "max_ms": "20000"}
var received = 0
var started = 0
var finished = false

func emit(d):
	print(JSON.print(d))

func to_hex(bytes):
	var s = ""
	for b in bytes:
		s += "%02x" % b
	return s

func from_hex(h):
	var out = PoolByteArray()
	for i in range(0, h.length(), 2):
		out.append(("0x" + h.substr(i, 2)).hex_to_int())
	return out

const TEXT = "the quick brown fox jumps over the lazy dog 0123456789 "

func text(n, seed_value):
	var out = PoolByteArray()
	out.resize(n)
	for i in range(n):
		out[i] = TEXT.ord_at((seed_value + i + 3 * (i / 55)) % 55)
	return out

# FNV-1a 32, as the C harness and the tests compute it.
func fnv1a(bytes):
	var h = 2166136261
	for b in bytes:
		h = ((h ^ b) * 16777619) & 0xffffffff
	return "%08x" % h

func pattern(n, seed_value):
	var out = PoolByteArray()
	out.resize(n)
	for i in range(n):
		out[i] = (seed_value + 7 * i + (i >> 8)) & 255
	return out

func _init():
	for a in OS.get_cmdline_args():
		var eq = a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1, a.length() - eq - 1)
	started = OS.get_ticks_msec()
	peer = NetworkedMultiplayerENet.new()
	peer.compression_mode = int(opts["compression"])
	peer.channel_count = int(opts["channels"])
	peer.connect("peer_connected", self, "_on_peer_connected")
	peer.connect("peer_disconnected", self, "_on_peer_disconnected")
	peer.connect("connection_succeeded", self, "_on_connection_succeeded")
	peer.connect("connection_failed", self, "_on_connection_failed")
	peer.connect("server_disconnected", self, "_on_server_disconnected")
	var err
	if opts["role"] == "server":
		err = peer.create_server(int(opts["port"]), 8)
	else:
		err = peer.create_client(opts["host"], int(opts["port"]))
	emit({"ev": "ready", "role": opts["role"], "err": err, "unique_id": peer.get_unique_id(),
		"compression": peer.compression_mode, "channels": peer.channel_count})
	if err != OK:
		finished = true
		quit()

func send_items(target):
	if opts["send"] == "":
		return
	for item in opts["send"].split(","):
		var ch = -1
		var at = item.find("@")
		if at > 0:
			ch = int(item.substr(at + 1, item.length() - at - 1))
			item = item.substr(0, at)
		var kind = item.substr(0, 1)
		var rest = item.substr(2, item.length() - 2)
		var bytes
		if kind == "p" or kind == "t":
			var parts = rest.split(":")
			if kind == "p":
				bytes = pattern(int(parts[0]), int(parts[1]))
			else:
				bytes = text(int(parts[0]), int(parts[1]))
			kind = "r"
		else:
			bytes = from_hex(rest)
		if kind == "r":
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
		elif kind == "o":
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED
		else:
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE
		peer.transfer_channel = ch
		peer.set_target_peer(target)
		var err = peer.put_packet(bytes)
		emit({"ev": "sent", "kind": kind, "ch": ch, "len": bytes.size(), "target": target, "err": err})
	peer.transfer_channel = -1

func _on_peer_connected(id):
	emit({"ev": "peer_connected", "id": id})
	if opts["role"] == "server":
		send_items(id)

func _on_peer_disconnected(id):
	emit({"ev": "peer_disconnected", "id": id})

func _on_connection_succeeded():
	emit({"ev": "connection_succeeded", "unique_id": peer.get_unique_id()})
	send_items(1)

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
	if peer.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		return false
	peer.poll()
	while peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var ch = peer.get_packet_channel()
		var bytes = peer.get_packet()
		received += 1
		var ev = {"ev": "receive", "from": from, "ch": ch, "len": bytes.size(), "fnv": fnv1a(bytes)}
		if bytes.size() <= 256:
			ev["hex"] = to_hex(bytes)
		emit(ev)
		if opts["echo"] == "1":
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
			peer.transfer_channel = ch if ch > 0 else -1
			peer.set_target_peer(from)
			peer.put_packet(bytes)
			peer.transfer_channel = -1
		if int(opts["expect"]) > 0 and received == int(opts["expect"]):
			if opts["then"] == "close":
				emit({"ev": "closing"})
				peer.close_connection()
				finish()
				return true
			elif opts["then"] == "kick":
				emit({"ev": "kicking", "id": from})
				peer.disconnect_peer(from)
	OS.delay_msec(1)
	return false
