# Godot 3.2.3 WebSocketServer for our client: echoes with the same write mode, closes with
# 4010 "godot bye" on "cmd:close". Argument: port=N. Prints READY, then one line per event, then DONE.
extends SceneTree

var server = WebSocketServer.new()
var deadline = 0

func _init():
	var port = 0
	for a in OS.get_cmdline_args():
		if a.begins_with("port="):
			port = int(a.substr(5, a.length() - 5))
	server.bind_ip = "127.0.0.1"
	server.connect("client_connected", self, "_on_connected")
	server.connect("client_disconnected", self, "_on_disconnected")
	server.connect("client_close_request", self, "_on_close_request")
	server.connect("data_received", self, "_on_data")
	var err = server.listen(port, PoolStringArray(["godot"]), false)
	print("READY ", err)
	deadline = OS.get_ticks_msec() + 10000

func _on_connected(id, protocol):
	print("CONNECTED ", protocol)

func _on_data(id):
	var peer = server.get_peer(id)
	var pkt = peer.get_packet()
	var is_string = peer.was_string_packet()
	if is_string and pkt.get_string_from_utf8() == "cmd:close":
		server.disconnect_peer(id, 4010, "godot bye")
		return
	print("ECHO ", "text" if is_string else "binary", " ", pkt.size())
	peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT if is_string else WebSocketPeer.WRITE_MODE_BINARY)
	peer.put_packet(pkt)

func _on_close_request(id, code, reason):
	print("CLOSE_REQUEST ", code, " ", reason)

func _on_disconnected(id, was_clean):
	print("DISCONNECTED ", was_clean)

func _idle(_delta):
	server.poll()
	if OS.get_ticks_msec() > deadline:
		print("DONE")
		server.stop()
		return true
	return false
