# Godot 3.2.3 PacketPeerStream over StreamPeerTCP for packetpeer's tests. Connects to pp_port,
# sends a put_var, a 60000-byte raw packet (bytes i % 251), an empty packet (Godot sends nothing
# for it) and another put_var; echoes every var it receives as ["echo", v] and, on "bye", prints
# what it received (byte arrays as "bytes:<size>:<sum>") and quits.
extends SceneTree

var tcp = StreamPeerTCP.new()
var packets = PacketPeerStream.new()
var frames = 0
var sent = false
var received = []

func _init():
	var port = 0
	for a in OS.get_cmdline_args():
		if a.begins_with("pp_port="):
			port = int(a.substr(8))
	tcp.connect_to_host("127.0.0.1", port)
	packets.stream_peer = tcp

func summary(v):
	if typeof(v) == TYPE_RAW_ARRAY:
		var sum = 0
		for b in v:
			sum += b
		return "bytes:%d:%d" % [v.size(), sum]
	return v

func _idle(_delta):
	frames += 1
	if frames > 2000:
		print("GODOT TIMEOUT ", JSON.print(received))
		quit()
		return false
	if tcp.get_status() != StreamPeerTCP.STATUS_CONNECTED:
		OS.delay_msec(5)
		return false
	if not sent:
		sent = true
		packets.put_var({"hello": "from godot", "n": 7})
		var big = PoolByteArray()
		big.resize(60000)
		for i in range(60000):
			big[i] = i % 251
		packets.put_packet(big)
		packets.put_packet(PoolByteArray())
		packets.put_var([1, 2.5, "three"])
	while packets.get_available_packet_count() > 0:
		var v = packets.get_var()
		received.append(summary(v))
		if typeof(v) == TYPE_STRING and v == "bye":
			print("GODOT GOT ", JSON.print(received))
			quit()
			return false
		packets.put_var(["echo", v])
	OS.delay_msec(5)
	return false
