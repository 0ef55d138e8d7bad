# A Godot 4.6 WebSocketMultiplayerPeer client for the live tests (websocket-multiplayer.godot4.test.ts,
# wss.godot4.test.ts). User arguments: url=ws[s]://HOST:PORT name=TEXT. Once connected it sends
# "hello:NAME" to the server (peer 1); it obeys "cmd:send:MODE:CHANNEL:TARGET:TEXT" and "cmd:leave"
# packets, reports status changes and other packets as JSON lines, and quits once disconnected.
extends SceneTree
var mp := WebSocketMultiplayerPeer.new()
var name := ""
var last_status := -1
var was_connected := false
var quit_at := -1

func report(d: Dictionary) -> void:
	d["who"] = name
	print(JSON.stringify(d))

func _initialize() -> void:
	var url := ""
	for a in OS.get_cmdline_user_args():
		if a.begins_with("url="):
			url = a.substr(4)
		elif a.begins_with("name="):
			name = a.substr(5)
	mp.peer_connected.connect(func(id): report({"ev": "peer_connected", "id": id}))
	mp.peer_disconnected.connect(func(id): report({"ev": "peer_disconnected", "id": id}))
	report({"ev": "create", "err": mp.create_client(url)})

func command(parts: PackedStringArray) -> void:
	if parts[1] == "send":
		mp.transfer_mode = int(parts[2])
		mp.transfer_channel = int(parts[3])
		mp.set_target_peer(int(parts[4]))
		var err := mp.put_packet(parts[5].to_utf8_buffer())
		report({"ev": "sent", "data": parts[5], "err": err, "mode": mp.transfer_mode, "ch": mp.transfer_channel})
	elif parts[1] == "leave":
		mp.close()

func _process(_delta: float) -> bool:
	if quit_at >= 0:
		quit_at -= 1
		if quit_at < 0:
			quit(0)
		return false
	mp.poll()
	var st := mp.get_connection_status()
	if st != last_status:
		last_status = st
		report({"ev": "status", "status": st, "id": mp.get_unique_id()})
		if st == MultiplayerPeer.CONNECTION_CONNECTED:
			was_connected = true
			mp.set_target_peer(1)
			mp.put_packet(("hello:" + name).to_utf8_buffer())
	while mp.get_available_packet_count() > 0:
		var from := mp.get_packet_peer()
		var ch := mp.get_packet_channel()
		var mode := mp.get_packet_mode()
		var text := mp.get_packet().get_string_from_utf8()
		if text.begins_with("cmd:"):
			command(text.split(":"))
		else:
			report({"ev": "pkt", "from": from, "ch": ch, "mode": mode, "data": text})
	if st == MultiplayerPeer.CONNECTION_DISCONNECTED and was_connected:
		report({"ev": "done"})
		quit_at = 2
	return false
