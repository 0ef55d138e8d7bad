# Real Godot (3.2.3 headless) side of godot-interop.test.ts: connects with
# StreamPeerTCP, writes typed values with put_* in both byte orders, then reads
# the same values written by packetpeer with get_* (blocking) and checks them.
# Prints "GODOT OK" or "GODOT FAIL <what>".
extends SceneTree

var failures = []

func check(cond, what):
	if not cond:
		failures.append(what)

func put_all(p):
	p.put_8(-2)
	p.put_u8(255)
	p.put_16(-32768)
	p.put_u16(65535)
	p.put_32(-2147483648)
	p.put_u32(4294967295)
	p.put_64(-81985529216486895)
	p.put_u64(9141386507638288912)
	p.put_float(1.5)
	p.put_double(3.141592653589793)
	p.put_string("Hello, Godot!")
	p.put_utf8_string("h\u00e9llo w\u00f6rld \u65e5\u672c\u8a9e")

func check_all(p, order):
	check(p.get_8() == -2, order + " get_8")
	check(p.get_u8() == 255, order + " get_u8")
	check(p.get_16() == -32768, order + " get_16")
	check(p.get_u16() == 65535, order + " get_u16")
	check(p.get_32() == -2147483648, order + " get_32")
	check(p.get_u32() == 4294967295, order + " get_u32")
	check(p.get_64() == -81985529216486895, order + " get_64")
	check(p.get_u64() == 9141386507638288912, order + " get_u64")
	check(p.get_float() == 1.5, order + " get_float")
	check(p.get_double() == 3.141592653589793, order + " get_double")
	check(p.get_string() == "Hello, Godot!", order + " get_string")
	check(p.get_utf8_string() == "h\u00e9llo w\u00f6rld \u65e5\u672c\u8a9e", order + " get_utf8_string")

func _init():
	var port = 0
	for a in OS.get_cmdline_args():
		if a.begins_with("pp_port="):
			port = int(a.substr(8, -1))
	var peer = StreamPeerTCP.new()
	if peer.connect_to_host("127.0.0.1", port) != OK:
		print("GODOT FAIL connect_to_host")
		quit()
		return
	var waited = 0
	while peer.get_status() == StreamPeerTCP.STATUS_CONNECTING and waited < 10000:
		OS.delay_msec(5)
		waited += 5
	if peer.get_status() != StreamPeerTCP.STATUS_CONNECTED:
		print("GODOT FAIL status ", peer.get_status())
		quit()
		return
	peer.big_endian = false
	put_all(peer)
	peer.big_endian = true
	put_all(peer)
	peer.big_endian = false
	check_all(peer, "little endian")
	peer.big_endian = true
	check_all(peer, "big endian")
	peer.big_endian = false
	check(peer.get_available_bytes() == 0, "trailing bytes")
	if failures.empty():
		print("GODOT OK")
	else:
		print("GODOT FAIL ", failures)
	peer.disconnect_from_host()
	quit()
