# Godot 3.2.3 peer for packetpeer's PacketPeerUDP / UDPServer / PacketPeerDTLS / DTLSServer tests.
# Arguments after --: role=udp_server|udp_client|dtls_server|dtls_client port=N
#   key=PATH cert=PATH (dtls_server), host=NAME trust=PATH (dtls_client, verifying the server)
# One JSON object per line on stdout: ready, connected, recv, var, status, done.
# Servers answer "echo:<text>" to every text packet, a Variant to "var", and quit after "bye";
# clients greet until answered, then say "bye" and quit.
extends SceneTree

var args = {}
var udp_server
var dtls_server
var udp_peers = []
var dtls_peers = []
var udp_client
var dtls_client
var frames = 0
var reported = {}
var answered = false

func out(d):
	print(JSON.print(d))

func _init():
	for a in OS.get_cmdline_args():
		var i = a.find("=")
		if i > 0:
			args[a.substr(0, i)] = a.substr(i + 1)
	var port = int(args.get("port", "0"))
	var role = args.get("role", "")
	if role == "udp_server" or role == "dtls_server":
		udp_server = UDPServer.new()
		var err = udp_server.listen(port, "127.0.0.1")
		if role == "dtls_server":
			var key = CryptoKey.new()
			var cert = X509Certificate.new()
			err += key.load(args["key"]) + cert.load(args["cert"])
			dtls_server = DTLSServer.new()
			err += dtls_server.setup(key, cert)
		out({"ev": "ready", "err": err})
	else:
		udp_client = PacketPeerUDP.new()
		var err = udp_client.connect_to_host("127.0.0.1", port)
		if role == "dtls_client":
			var trust = X509Certificate.new()
			err += trust.load(args["trust"])
			dtls_client = PacketPeerDTLS.new()
			err += dtls_client.connect_to_peer(udp_client, true, args.get("host", "localhost"), trust)
		out({"ev": "ready", "err": err, "local_port": udp_client.get_packet_port()})

func _idle(_delta):
	frames += 1
	if frames > 1000:
		out({"ev": "done", "why": "frame limit"})
		quit()
	if udp_server != null:
		udp_server.poll()
		while udp_server.is_connection_available():
			var p = udp_server.take_connection()
			if dtls_server == null:
				udp_peers.append(p)
				continue
			var d = dtls_server.take_connection(p)
			if d.get_status() == PacketPeerDTLS.STATUS_HANDSHAKING:
				dtls_peers.append(d)
			else:
				out({"ev": "take", "status": d.get_status()})
		for p in udp_peers:
			serve(p, p.get_packet_ip(), p.get_packet_port())
		for d in dtls_peers:
			d.poll()
			if d.get_status() == PacketPeerDTLS.STATUS_CONNECTED:
				if not reported.has(d):
					reported[d] = true
					out({"ev": "connected"})
				serve(d, "", 0)
			elif d.get_status() != PacketPeerDTLS.STATUS_HANDSHAKING and not reported.has(d):
				reported[d] = true
				out({"ev": "status", "status": d.get_status()})
	elif dtls_client != null:
		dtls_client.poll()
		var st = dtls_client.get_status()
		if st == PacketPeerDTLS.STATUS_CONNECTED:
			if not reported.has("c"):
				reported["c"] = true
				out({"ev": "connected"})
			client_step(dtls_client)
		elif st != PacketPeerDTLS.STATUS_HANDSHAKING:
			out({"ev": "status", "status": st})
			quit()
	elif udp_client != null:
		client_step(udp_client)
	OS.delay_msec(10)
	return false

func serve(p, ip, port):
	while p.get_available_packet_count() > 0:
		var text = p.get_packet().get_string_from_utf8()
		out({"ev": "recv", "text": text, "ip": ip, "port": port})
		if text == "bye":
			out({"ev": "done", "why": "bye"})
			quit()
		elif text == "var":
			p.put_var({"from": "godot", "n": 42, "list": [1.5, "x"]})
		else:
			p.put_packet(("echo:" + text).to_utf8())

func client_step(p):
	if not answered and frames % 10 == 1:
		p.put_packet("hello from godot".to_utf8())
	while p.get_available_packet_count() > 0:
		var text = p.get_packet().get_string_from_utf8()
		out({"ev": "recv", "text": text})
		answered = true
		p.put_packet("bye".to_utf8())
		out({"ev": "done", "why": "answered"})
		quit()
