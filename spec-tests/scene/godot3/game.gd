# The /root/Game node of the Godot 3.2.3 MultiplayerAPI interop runs (see mp_api.gd).
extends Node

var main # the SceneTree script, for emit()
remote var score = 0 setget set_score
puppet var motd = "" setget set_motd

func set_score(v):
	score = v
	main.emit({"ev": "rset", "prop": "score", "value": var2str(v), "from": get_tree().get_rpc_sender_id()})

func set_motd(v):
	motd = v
	main.emit({"ev": "rset", "prop": "motd", "value": var2str(v), "from": get_tree().get_rpc_sender_id()})

# Anyone may call: echo the arguments back to the caller as pong.
remote func ping(a, b, c, d, e, f, g, h, i, j):
	var sender = get_tree().get_rpc_sender_id()
	main.emit({"ev": "ping", "from": sender, "args": var2str([a, b, c, d, e, f, g, h, i, j])})
	rpc_id(sender, "pong", a, b, c, d, e, f, g, h, i, j)

remote func pong(a, b, c, d, e, f, g, h, i, j):
	main.emit({"ev": "pong", "from": get_tree().get_rpc_sender_id(), "args": var2str([a, b, c, d, e, f, g, h, i, j])})

# Only the master (the server) may call this on a puppet.
puppet func welcome(id, v):
	main.emit({"ev": "welcome", "from": get_tree().get_rpc_sender_id(), "id": id, "v": var2str(v)})

# A client greets another client (relayed by the server's peer).
remote func hello(from_id):
	main.emit({"ev": "hello", "from": get_tree().get_rpc_sender_id(), "claimed": from_id})

# Callable only on the master: a client calling this on a client must be refused.
master func admin_only():
	main.emit({"ev": "admin_only", "from": get_tree().get_rpc_sender_id()})
