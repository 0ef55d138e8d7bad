# Godot 3.2.3 WebSocketClient against our server (an echo server that closes with
# 4002 "server bye" on "cmd:close"). Argument: url=ws://...
# Prints one line per step: OK ..., FAIL ..., and ends with DONE.
extends SceneTree

var client = WebSocketClient.new()
var url = ""
var step = 0
var binary = PoolByteArray()
var deadline = 0

func _init():
	for a in OS.get_cmdline_args():
		if a.begins_with("url="):
			url = a.substr(4, a.length() - 4)
	for i in range(1000):
		binary.append((i * 7) % 256)
	client.connect("connection_established", self, "_on_connected")
	client.connect("connection_error", self, "_on_error")
	client.connect("connection_closed", self, "_on_closed")
	client.connect("server_close_request", self, "_on_close_request")
	client.connect("data_received", self, "_on_data")
	deadline = OS.get_ticks_msec() + 10000
	var err = client.connect_to_url(url, PoolStringArray(["godot"]))
	if err != OK:
		print("FAIL connect_to_url ", err)
		print("DONE")
		quit()

func _on_connected(protocol):
	print("OK connected ", protocol)
	var peer = client.get_peer(1)
	peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
	peer.put_packet("hello from godot".to_utf8())

func _on_data():
	var peer = client.get_peer(1)
	var pkt = peer.get_packet()
	var is_string = peer.was_string_packet()
	if step == 0:
		if is_string and pkt.get_string_from_utf8() == "hello from godot":
			print("OK text echo")
		else:
			print("FAIL text echo ", is_string, " ", pkt.size())
		step = 1
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_BINARY)
		peer.put_packet(binary)
	elif step == 1:
		if (not is_string) and pkt == binary:
			print("OK binary echo")
		else:
			print("FAIL binary echo ", is_string, " ", pkt.size())
		step = 2
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
		peer.put_packet("cmd:close".to_utf8())

func _on_close_request(code, reason):
	print("OK close request ", code, " ", reason)

func _on_closed(was_clean):
	print("OK closed ", was_clean)
	print("DONE")
	quit()

func _on_error():
	print("FAIL connection error")
	print("DONE")
	quit()

func _idle(_delta):
	client.poll()
	if OS.get_ticks_msec() > deadline:
		print("FAIL timeout at step ", step)
		print("DONE")
		return true
	return false
