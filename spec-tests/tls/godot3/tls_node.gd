# Godot 3.2.3 StreamPeerSSL peer for packetpeer's tests.
# Arguments after --: role=server|client port=N key=PATH cert=PATH verify=0|1 host=NAME trust=PATH
# Prints one JSON object per line: ready, connected, recv, status, done.
extends SceneTree

var args = {}
var tcp_server
var ssl
var tcp
var frames = 0
var greeted = false

func out(d):
	print(JSON.print(d))

func _init():
	for a in OS.get_cmdline_args():
		var i = a.find("=")
		if i > 0:
			args[a.substr(0, i)] = a.substr(i + 1)
	var port = int(args.get("port", "0"))
	if args.get("role") == "server":
		tcp_server = TCP_Server.new()
		out({"ev": "ready", "err": tcp_server.listen(port, "127.0.0.1")})
	else:
		tcp = StreamPeerTCP.new()
		var e1 = tcp.connect_to_host("127.0.0.1", port)
		out({"ev": "ready", "err": e1})

func _idle(_delta):
	frames += 1
	if frames > 600:
		out({"ev": "done", "why": "frame limit"})
		quit()
	if tcp_server != null and ssl == null and tcp_server.is_connection_available():
		var key = CryptoKey.new()
		var cert = X509Certificate.new()
		key.load(args["key"])
		cert.load(args["cert"])
		ssl = StreamPeerSSL.new()
		ssl.blocking_handshake = false
		out({"ev": "accept", "err": ssl.accept_stream(tcp_server.take_connection(), key, cert)})
	if tcp != null and ssl == null and tcp.get_status() == StreamPeerTCP.STATUS_CONNECTED:
		var trust = null
		if args.has("trust"):
			trust = X509Certificate.new()
			trust.load(args["trust"])
		ssl = StreamPeerSSL.new()
		ssl.blocking_handshake = false
		out({"ev": "connecting", "err": ssl.connect_to_stream(tcp, args.get("verify", "1") == "1", args.get("host", ""), trust)})
	if ssl != null:
		ssl.poll()
		var st = ssl.get_status()
		if st == StreamPeerSSL.STATUS_CONNECTED:
			if not greeted:
				greeted = true
				out({"ev": "connected"})
				ssl.put_data("hello from godot\n".to_utf8())
			var n = ssl.get_available_bytes()
			if n > 0:
				var r = ssl.get_data(n)
				var text = r[1].get_string_from_utf8()
				out({"ev": "recv", "text": text})
				if text.find("bye") >= 0:
					out({"ev": "done", "why": "bye"})
					quit()
				else:
					ssl.put_data(("echo:" + text).to_utf8())
		elif st != StreamPeerSSL.STATUS_HANDSHAKING and not greeted:
			greeted = true
			out({"ev": "status", "status": st})
			quit()
	OS.delay_msec(10)
	return false
