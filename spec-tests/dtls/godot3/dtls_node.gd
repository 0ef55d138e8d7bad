# Godot 3.2.3 raw DTLS peer for packetpeer's tests (mbedTLS, the stack Godot's ENet DTLS uses).
# Arguments after --: role=server|client|keygen port=N key=PATH cert=PATH verify=0|1 host=NAME trust=PATH
# max_frames=N (default 600: about 7 s; a handshake through loss needs longer)
# drop_ended=1: the server forgets a peer whose session ended (as Godot's ENet DTLS server does)
# Prints one JSON object per line: ready, connected, recv, status, done (keygen: generated).
# keygen writes an RSA-2048 key from Crypto.generate_rsa and its generate_self_signed_certificate to key= and cert=.
extends SceneTree

var args = {}
var udp_server
var dtls_server
var peers = []
var client
var frames = 0
var greeted = {}

func out(d):
	print(JSON.print(d))

func _init():
	for a in OS.get_cmdline_args():
		var i = a.find("=")
		if i > 0:
			args[a.substr(0, i)] = a.substr(i + 1)
	var port = int(args.get("port", "0"))
	if args.get("role") == "keygen":
		var crypto = Crypto.new()
		var rsa = crypto.generate_rsa(2048)
		var self_signed = crypto.generate_self_signed_certificate(rsa, "CN=localhost,O=godot,C=IT", "20200101000000", "20400101000000")
		out({"ev": "generated", "err": rsa.save(args["key"]) + self_signed.save(args["cert"])})
		quit()
	elif args.get("role") == "server":
		var key = CryptoKey.new()
		var cert = X509Certificate.new()
		var e1 = key.load(args["key"])
		var e2 = cert.load(args["cert"])
		dtls_server = DTLSServer.new()
		var e3 = dtls_server.setup(key, cert)
		udp_server = UDPServer.new()
		var e4 = udp_server.listen(port, "127.0.0.1")
		out({"ev": "ready", "err": e1 + e2 + e3 + e4})
	else:
		var udp = PacketPeerUDP.new()
		var e1 = udp.connect_to_host("127.0.0.1", port)
		var trust = null
		if args.has("trust"):
			trust = X509Certificate.new()
			trust.load(args["trust"])
		client = PacketPeerDTLS.new()
		var e2 = client.connect_to_peer(udp, args.get("verify", "1") == "1", args.get("host", ""), trust)
		out({"ev": "ready", "err": e1 + e2})

func _idle(_delta):
	frames += 1
	if frames > int(args.get("max_frames", "600")):
		out({"ev": "done", "why": "frame limit"})
		quit()
	if dtls_server != null:
		udp_server.poll()
		while udp_server.is_connection_available():
			var p = dtls_server.take_connection(udp_server.take_connection())
			if p.get_status() == PacketPeerDTLS.STATUS_HANDSHAKING:
				peers.append(p)
		for p in peers:
			pump(p)
	elif client != null:
		pump(client)
	OS.delay_msec(10)
	return false

func pump(p):
	p.poll()
	var st = p.get_status()
	if st == PacketPeerDTLS.STATUS_CONNECTED:
		if not greeted.has(p):
			greeted[p] = true
			out({"ev": "connected"})
			p.put_packet("hello from godot".to_utf8())
		while p.get_available_packet_count() > 0:
			var text = p.get_packet().get_string_from_utf8()
			out({"ev": "recv", "text": text})
			if text == "bye":
				out({"ev": "done", "why": "bye"})
				quit()
			else:
				p.put_packet(("echo:" + text).to_utf8())
	elif st != PacketPeerDTLS.STATUS_HANDSHAKING and not greeted.has(p):
		greeted[p] = true
		out({"ev": "status", "status": st})
		if client != null:
			quit()
		elif args.get("drop_ended", "0") == "1":
			# As Godot's ENet DTLS server does: an ended peer is dropped, and with its PacketPeerUDP
			# the UDPServer forgets the address, so the next datagram from it is a new connection.
			peers.erase(p)
