# What the SceneTree scripts here share: their key=value user arguments, and the network peer
# those arguments name (transport=enet|ws, role=server|client, host, port).
extends Reference

# Fills `opts` (its defaults) from the command line's key=value arguments.
static func read_args(opts):
	for a in OS.get_cmdline_args():
		var eq = a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1, a.length() - eq - 1)
	return opts

# [peer, err]: a NetworkedMultiplayerENet server (8 clients) or client, or a WebSocketServer bound
# to host or a WebSocketClient, both with Godot's multiplayer framing.
static func open_peer(opts, role):
	var peer
	var err
	var host = opts.get("host", "127.0.0.1")
	var port = int(opts["port"])
	if opts["transport"] == "enet":
		peer = NetworkedMultiplayerENet.new()
		err = peer.create_server(port, 8) if role == "server" else peer.create_client(host, port)
	elif role == "server":
		peer = WebSocketServer.new()
		peer.bind_ip = host
		err = peer.listen(port, PoolStringArray(), true)
	else:
		peer = WebSocketClient.new()
		err = peer.connect_to_url("ws://%s:%s/" % [host, port], PoolStringArray(), true)
	return [peer, err]
